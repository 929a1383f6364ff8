export type { BatchHints, BatchIds, BatchResult } from "./adapter.ts";
export { BaseStageAdapter, batchCallStats } from "./adapter.ts";
export type {
	BackendDescriptor,
	BackendEnvironment,
	BackendFlag,
	BackendFlagMap,
	BackendFlagValues,
	BackendRunSettings,
	ConfigKeyOf,
} from "./backend-descriptor.ts";
export {
	backendConfig,
	backendFlags,
	defineBackend,
	descriptorProblem,
	ignoredFlags,
} from "./backend-descriptor.ts";
export type { ResourceKind } from "./capabilities.ts";
export { assertSchedulable, requestedKinds, resourceKinds } from "./capabilities.ts";
export { fileCheckpoint } from "./checkpoint/file-store.ts";
export { pipelineFingerprint } from "./checkpoint/fingerprint.ts";
export { PartitionTracker, partitionOf } from "./checkpoint/lineage.ts";
export type { RunCheckpoint } from "./checkpoint/resume.ts";
export type { CheckpointOpening, CheckpointStore, ResumeState } from "./checkpoint/store.ts";
export { CompositeStage, isCompositeStage } from "./composite.ts";
export type { ErrorCode, StageFailureContext } from "./errors.ts";
export {
	AbortError,
	CheckpointError,
	CommitError,
	CuratorError,
	ErrorCodes,
	PreflightError,
	StageError,
} from "./errors.ts";
export type { BatchCallStats, RunEvent, RunEventListener, TaskFailure } from "./events.ts";
export type {
	ExecutionContext,
	ExecutorConfig,
	ExecutorIdentity,
	ExecutorSupports,
	RunOptions,
	RunResult,
	StageOptionsSchema,
} from "./executor.ts";
export { BaseExecutor } from "./executor.ts";
export type { AssignedIds, ParentedTask } from "./ids.ts";
export { assignTaskIds, randomTaskId, rootTaskId } from "./ids.ts";
export type { RunLedger, StageLedger } from "./ledger.ts";
export { ledgerProblems, runLedger } from "./ledger.ts";
export { describeBatchSize, describeCountLimit, isUnboundedCount } from "./limits.ts";
export type { LogFn, Logger } from "./logger.ts";
export { silentLogger } from "./logger.ts";
export { aggregateStageMetrics } from "./metrics.ts";
export type { AdapterClass } from "./named-adapter.ts";
export { createNamedAdapter } from "./named-adapter.ts";
export type { NodeInfo, WorkerAllocation, WorkerMetadata } from "./node.ts";
export type { BatchRecord, RunObserver } from "./observer.ts";
export { batchRecordOf } from "./observer.ts";
export type { OptionRule, OptionRules, OptionSchema } from "./option-schema.ts";
export {
	executorConfigSchema,
	extendSchema,
	optionRules,
	optionSchema,
	optionsProblem,
} from "./option-schema.ts";
export { BARRIER_BATCH_SIZE, compareTaskIds, isBarrier, sortByTaskId } from "./order.ts";
export type { StagePerfStats } from "./perf.ts";
export { emptyPerfStats, flattenPerfStats, sameRecords, sumPerfStats } from "./perf.ts";
export { Pipeline } from "./pipeline.ts";
export type { PipelineStage } from "./plan.ts";
export { resolveStages, sourceIndex } from "./plan.ts";
export type { ClassRef } from "./registry.ts";
export {
	classRefOf,
	isRegisteredModule,
	registeredClass,
	registeredModules,
	registerHint,
	registerModule,
} from "./registry.ts";
export type { MachineResources, ResourcesInit } from "./resources.ts";
export { Resources, resourceDefaults } from "./resources.ts";
export type { PipelineDescription, RunInfo, StageDescription } from "./run-info.ts";
export { checkRunId, describePipeline, newRunId, RUN_ID_PATTERN } from "./run-info.ts";
export {
	APP_ROOT_ENV,
	APP_SCHEME,
	localModule,
	portableModule,
	resetAppRoot,
	type ShippedPlace,
	shipModulesFrom,
} from "./shipped-modules.ts";
export type {
	BackendStageOptions,
	StageIO,
	StageOutput,
	StageRole,
	StageSettings,
} from "./stage.ts";
export {
	consumeStageMetrics,
	hasCustomSetup,
	isProcessingStage,
	ProcessingStage,
} from "./stage.ts";
export type { BatchSource, StageLoopOptions } from "./stage-loop.ts";
export { runStageInProcess, runStagesInProcess } from "./stage-loop.ts";
export type { RunSummary, StageSummary } from "./summary.ts";
export { RunSummaryBuilder } from "./summary.ts";
export type { TaskInit } from "./task.ts";
export { EmptyTask, isTask, Task } from "./task.ts";
export type { BatchTiming, Clock } from "./timer.ts";
export { StageTimer } from "./timer.ts";
export {
	isWorker,
	markAsWorker,
	noteWorkerImport,
	RUN_IN_WORKER_FIX,
	refuseRunInWorker,
} from "./worker-role.ts";
