export type { PortableBatch, StageDescriptor } from "./codec.ts";
export {
	decodeStage,
	decodeTasks,
	describeStage,
	encodeStage,
	encodeTasks,
	importModules,
	packTasks,
	readBatch,
	unpackTasks,
} from "./codec.ts";
export type { PoolBatch, PoolTask } from "./encoded-task.ts";
export {
	asPoolBatch,
	EncodedTask,
	isEncoded,
	KEEP_ENCODED_MIN_BYTES,
} from "./encoded-task.ts";
export { HostStageAdapter, WorkerHost } from "./host.ts";
export type { HostTransport } from "./host-transport.ts";
export { concatLists } from "./lists.ts";
export { defaultLogger } from "./logger.ts";
export { assertFitsMachine, detectMachine, visibleGpus } from "./machine.ts";
export type { FaultOptions, FaultPolicy } from "./planning/fault-policy.ts";
export {
	faultOptionKeys,
	faultOptionRules,
	faultPolicyDefaults,
	isRetriedErrorCode,
	resolveFaultPolicy,
	samePolicy,
} from "./planning/fault-policy.ts";
export type { FractionFit, GpuHold } from "./planning/gpu-ledger.ts";
export { GpuLedger } from "./planning/gpu-ledger.ts";
export type { GpuPoolRequest } from "./planning/gpu-shares.ts";
export { splitGpus } from "./planning/gpu-shares.ts";
export type { GpuShare } from "./planning/placement.ts";
export { GpuPlacement, type GpuSeat, gpuCapacity } from "./planning/placement.ts";
export type { StageSizing } from "./planning/sizing.ts";
export { sizeStage, workersThatFit } from "./planning/sizing.ts";
export { fromPortable, rebuildInstance, toPortable } from "./portable.ts";
export type {
	BatchPayload,
	BatchReply,
	HostCommand,
	HostMessage,
	HostRequest,
	StageCallStats,
	TaskRef,
	WireError,
} from "./protocol.ts";
export { DEFAULT_MAX_MESSAGE_BYTES, PROTOCOL_VERSION, requestProblem } from "./protocol.ts";
// render
export type { Align } from "./render/format.ts";
export {
	formatCount,
	formatMetric,
	formatRate,
	formatSeconds,
	formatTable,
} from "./render/format.ts";
export type { StageProgress } from "./render/progress.ts";
export { ProgressTracker } from "./render/progress.ts";
export type {
	LogLevel,
	RenderMode,
	RenderStream,
	RunRendererOptions,
} from "./render/renderer.ts";
export { logLevels, RunRenderer, rendererDefaults } from "./render/renderer.ts";
export type { RunReport, StageReport } from "./render/summary.ts";
export { formatSummaryTable, runReport, stageReport } from "./render/summary.ts";
export type { LogSink } from "./sink-logger.ts";
export { sinkLogger } from "./sink-logger.ts";
export { SpillDir } from "./spill.ts";
export type { SpillBaseChoice, SpillCandidates } from "./spill-base.ts";
export { chooseSpillBase, spillBase, spillDefaults } from "./spill-base.ts";
export { SPILL_DIR_ENV, SpillError } from "./spill-error.ts";
export type { SpillOwner } from "./spill-owner.ts";
export { sweepSpillFolders } from "./spill-owner.ts";
export type {
	BatchOutcome,
	ProcessOptions,
	StagePoolOptions,
	WorkerResources,
} from "./stage-pool.ts";
export { outputsOf, StagePool } from "./stage-pool.ts";
export { toWireError } from "./wire-error.ts";
export { WorkerCache } from "./worker-cache.ts";
export type { HostReply, Isolation, SpawnOptions, WorkerExit } from "./worker-handle.ts";
export { WorkerCrashError, WorkerHandle, WorkerRequestError } from "./worker-handle.ts";
