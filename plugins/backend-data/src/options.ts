import {
	type ExecutorConfig,
	type MachineResources,
	optionRules,
	optionSchema,
	type ProcessingStage,
} from "@curator/core";
import {
	type FaultOptions,
	type FaultPolicy,
	faultOptionRules,
	type Isolation,
	resolveFaultPolicy,
} from "@curator/runtime";

/**
 * Per-stage options of the data backend (`stage.with({ backend: { data: {...} } })`),
 * with the shared fault policy's options (`numRunAttempts`, `numSetupAttempts`,
 * `ignoreFailures`, `processTimeoutS`, `teardownTimeoutS`; see the runtime README).
 */
export interface DataStageOptions extends FaultOptions {
	/**
	 * Run as pooled tasks on the shared workers (`true`) or as an actor pool of
	 * its own (`false`). Default: stateless unless the stage defines `setup`.
	 */
	stateless?: boolean;
	/** Whether the stage may be fused with adjacent stateless stages (default `true`). */
	fuse?: boolean;
	/** Actor pools: workers kept at least (default 1, or `numWorkers()`). */
	minWorkers?: number;
	/** Actor pools: workers at most (default `maxWorkers`, or `numWorkers()`). */
	maxWorkers?: number;
	/** Bound of the input queue of the operator this stage starts, in batches. */
	maxQueuedBatches?: number;
	/** Bound of the input queue of the operator this stage starts, in bytes. */
	maxQueuedBytes?: number;
}

declare module "@curator/core" {
	interface BackendStageOptions {
		data?: DataStageOptions;
	}
}

/** The data options of `stage` (none set: `{}`). */
export function dataOf(stage: ProcessingStage): DataStageOptions {
	return stage.backend.data ?? {};
}

/** The fault policy of `stage`: its own options over the executor's. */
export function policyOf(stage: ProcessingStage, config: DataConfig): FaultPolicy {
	return resolveFaultPolicy(dataOf(stage), config);
}

/** Settings of {@link DataExecutor}, with the defaults of the shared fault policy's options. */
export interface DataConfig extends ExecutorConfig, FaultOptions {
	/** Child processes (default, crash isolation) or worker threads. */
	isolation?: Isolation;
	/** Upper bound of live workers over all pools (default: the machine's cores). */
	maxWorkers?: number;
	/** Default bound of every operator's input queue, in batches. */
	maxQueuedBatches?: number;
	/** Default bound of every operator's input queue, in bytes (estimated). */
	maxQueuedBytes?: number;
	/** Recycle a worker after this many batches. */
	maxCallsPerWorker?: number;
	/** Heap limit of each worker in MiB (a worker over it dies and its batch is retried). */
	workerMaxHeapMb?: number;
	/** Fuse adjacent stateless stages into one worker call (default `true`). */
	fuseStages?: boolean;
	/** Batches sent to one worker at a time; 2 hides the round trip (default 2). */
	slotsPerWorker?: number;
	/** After a stage failure, how long running batches may take before workers are killed. */
	shutdownGraceMs?: number;
	/** What the machine offers; detected when omitted. */
	machine?: MachineResources;
}

/** Defaults of {@link DataConfig} and {@link DataStageOptions} (the fault options': the runtime's `faultPolicyDefaults`). */
export const dataDefaults = {
	isolation: "process",
	maxQueuedBatches: 4,
	maxQueuedBytes: 64 * 1024 * 1024,
	fuseStages: true,
	slotsPerWorker: 2,
	shutdownGraceMs: 10_000,
} as const;

const whole = optionRules.whole();

/** Rules of {@link DataConfig}'s own keys (unknown keys are refused by name). */
export const dataConfigSchema = optionSchema<Omit<DataConfig, keyof ExecutorConfig>>({
	...faultOptionRules,
	isolation: optionRules.oneOf("process", "thread"),
	maxWorkers: whole,
	maxQueuedBatches: whole,
	maxQueuedBytes: whole,
	maxCallsPerWorker: whole,
	workerMaxHeapMb: whole,
	fuseStages: optionRules.boolean,
	slotsPerWorker: whole,
	shutdownGraceMs: whole,
	machine: optionRules.object,
});

/** Rules of {@link DataStageOptions} (`stage.backend.data`). */
export const dataStageSchema = optionSchema<DataStageOptions>(
	{
		...faultOptionRules,
		stateless: optionRules.boolean,
		fuse: optionRules.boolean,
		minWorkers: whole,
		maxWorkers: whole,
		maxQueuedBatches: whole,
		maxQueuedBytes: whole,
	},
	(options, prefix) =>
		options.minWorkers !== undefined &&
		options.maxWorkers !== undefined &&
		options.minWorkers > options.maxWorkers
			? `${prefix}minWorkers is larger than ${prefix}maxWorkers`
			: undefined,
);
