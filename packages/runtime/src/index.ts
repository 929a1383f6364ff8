export type { StageDescriptor } from "./codec.ts";
export {
	decodeStage,
	decodeTasks,
	describeStage,
	encodeStage,
	encodeTasks,
	importModules,
} from "./codec.ts";
export type { HostTransport } from "./host.ts";
export { HostStageAdapter, toWireError, WorkerHost } from "./host.ts";
export { defaultLogger } from "./logger.ts";
export { detectMachine } from "./machine.ts";
export { fromPortable, rebuildInstance, toPortable } from "./portable.ts";
export type {
	HostCommand,
	HostMessage,
	HostRequest,
	StageCallStats,
	WireError,
} from "./protocol.ts";
export { DEFAULT_MAX_MESSAGE_BYTES, PROTOCOL_VERSION, requestProblem } from "./protocol.ts";
export type { BatchOutcome, FaultPolicy, StagePoolOptions } from "./stage-pool.ts";
export { StagePool } from "./stage-pool.ts";
export type { HostReply, Isolation, SpawnOptions, WorkerExit } from "./worker-handle.ts";
export { WorkerCrashError, WorkerHandle, WorkerRequestError } from "./worker-handle.ts";
