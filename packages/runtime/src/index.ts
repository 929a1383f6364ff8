/**
 * `@curator/runtime`: what a multi-process backend is built from (pools of
 * worker hosts, the fault policy, GPU placement and the machine, spill
 * folders, encoded tasks, the worker cache). Stage and task encoding for a
 * bridge is in `@curator/runtime/codec`, terminal rendering in
 * `@curator/runtime/render`. Anything else is internal and may change.
 */
export type { PoolBatch, PoolTask } from "./encoded-task.ts";
export { asPoolBatch, EncodedTask, KEEP_ENCODED_MIN_BYTES } from "./encoded-task.ts";
export { defaultLogger } from "./logger.ts";
export { assertFitsMachine, detectMachine, visibleGpus } from "./machine.ts";
export type { FaultOptions, FaultPolicy } from "./planning/fault-policy.ts";
export {
	faultOptionRules,
	faultPolicyDefaults,
	resolveFaultPolicy,
	samePolicy,
} from "./planning/fault-policy.ts";
export type { FusableOptions, FusionRules } from "./planning/fusion.ts";
export { fuseStages } from "./planning/fusion.ts";
export type { GpuHold } from "./planning/gpu-ledger.ts";
export { GpuLedger } from "./planning/gpu-ledger.ts";
export type { GpuPoolRequest } from "./planning/gpu-shares.ts";
export { splitGpus } from "./planning/gpu-shares.ts";
export type { GpuSeat, GpuShare } from "./planning/placement.ts";
export { gpuCapacity } from "./planning/placement.ts";
export type { StageSizing } from "./planning/sizing.ts";
export { sizeStage, workersThatFit } from "./planning/sizing.ts";
export { SpillDir, SpillError } from "./spill/index.ts";
export type {
	BatchOutcome,
	ProcessOptions,
	StagePoolOptions,
	WorkerResources,
} from "./stage-pool.ts";
export { outputsOf, outputsOfAll, StagePool } from "./stage-pool.ts";
export { WorkerCache } from "./worker-cache.ts";
export type { Isolation } from "./worker-handle.ts";
