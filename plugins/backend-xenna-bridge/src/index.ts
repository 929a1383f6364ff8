export type { DriverErrorFields } from "./errors.ts";
export { XennaDriverError, XennaEnvironmentError } from "./errors.ts";
export { workerHostEntry, XennaExecutor, xennaSupports } from "./executor.ts";
export type { XennaConfig, XennaExecutionMode, XennaStageOptions } from "./options.ts";
export { xennaDefaults } from "./options.ts";
export { closeIdleDrivers, idleDriverCount } from "./pool.ts";
export type { BridgePaths } from "./python.ts";
export { bridgePaths, resolvePython, setupCommand } from "./python.ts";
export type { DriverHello } from "./session.ts";
export { helloProblem } from "./session.ts";
export type { WireMessage, WireType } from "./wire.ts";
export {
	decodeMessage,
	driverMessageTypes,
	encodeMessage,
	executorMessageTypes,
	WIRE_VERSION,
	WireRejection,
} from "./wire.ts";
