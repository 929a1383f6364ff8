export { backend, xennaEnvironment } from "./descriptor.ts";
export type { DriverErrorFields } from "./errors.ts";
export { XennaDriverError, XennaEnvironmentError } from "./errors.ts";
export { workerHostEntry, XennaExecutor, xennaSupports } from "./executor.ts";
export type { RayEnsuredPackage, RayJobsClientOptions } from "./jobs/client.ts";
export { RayJobsClient, rayMaxUploadBytes } from "./jobs/client.ts";
export type { RayJobsFailure } from "./jobs/errors.ts";
export { RayJobsError } from "./jobs/errors.ts";
export type { RayFetch, RayHttpRequest } from "./jobs/http.ts";
export { nodeHttpFetch } from "./jobs/http.ts";
export type {
	PackageEntry,
	RayPackage,
	RayPackageContent,
	RayPackageKind,
} from "./jobs/package-zip.ts";
export { readPackage, zipDirectory, zipPackage } from "./jobs/package-zip.ts";
export type { RayTokenSource } from "./jobs/token.ts";
export { resolveRayToken } from "./jobs/token.ts";
export type { RayJobInfo, RayJobStatus, RayRuntimeEnv, RaySubmitOptions } from "./jobs/types.ts";
export { rayTerminalStatuses } from "./jobs/types.ts";
export type { XennaConfig, XennaExecutionMode, XennaStageOptions } from "./options.ts";
export { xennaDefaults } from "./options.ts";
export { closeIdleDrivers, idleDriverCount } from "./pool.ts";
export type { BridgePaths } from "./python.ts";
export { bridgePaths, resolvePython, setupCommand } from "./python.ts";
export type { DriverHello } from "./session.ts";
export { helloProblem } from "./session.ts";
export { ShipError } from "./ship/errors.ts";
export type { Shipment, ShipmentSpec } from "./ship/pack.ts";
export { packShipment, shippedModules } from "./ship/pack.ts";
export { removeShippedPrograms } from "./ship/program.ts";
export type { ShippedFile, SubmitJobOptions, SubmittedJob } from "./ship/submit.ts";
export { submitPipelineJob } from "./ship/submit.ts";
export type { WireMessage, WireType } from "./wire.ts";
export {
	decodeMessage,
	driverMessageTypes,
	encodeMessage,
	executorMessageTypes,
	WIRE_VERSION,
	WireRejection,
} from "./wire.ts";
