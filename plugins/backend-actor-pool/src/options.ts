import {
	type ExecutorConfig,
	type MachineResources,
	optionRules,
	optionSchema,
} from "@curator/core";
import { type FaultOptions, faultOptionRules, type Isolation } from "@curator/runtime";

/**
 * Fault rules, set per stage or for the whole executor: the shared fault
 * policy of every backend (`numRunAttempts`, `numSetupAttempts`,
 * `ignoreFailures`, `processTimeoutS`, `teardownTimeoutS`; defaults in the
 * runtime's `faultPolicyDefaults`, table in the runtime README).
 */
export type ActorPoolFaultOptions = FaultOptions;

/** Per-stage options of the actor-pool backend (`stage.with({ backend: { actorPool: {...} } })`). */
export interface ActorPoolStageOptions extends ActorPoolFaultOptions {
	/** Whether the stage may share a pool with its stateless neighbours (default `true`). */
	fuse?: boolean;
}

declare module "@curator/core" {
	interface BackendStageOptions {
		actorPool?: ActorPoolStageOptions;
	}
}

/** Settings of {@link ActorPoolExecutor}. */
export interface ActorPoolConfig extends ExecutorConfig, ActorPoolFaultOptions {
	/** Child processes (default, crash isolation) or worker threads. */
	isolation?: Isolation;
	/** Upper bound of workers per stage. */
	maxWorkersPerStage?: number;
	/** Heap limit of each worker in MiB (a worker over it dies and its batch is retried). */
	workerMaxHeapMb?: number;
	/** Recycle a worker after this many batches. */
	maxCallsPerWorker?: number;
	/**
	 * Batches outstanding per worker (default 2): the next one waits inside the
	 * worker while the current one runs, so no worker idles during a round trip.
	 */
	slotsPerWorker?: number;
	/**
	 * Run consecutive stateless stages in one pool, one worker call per batch
	 * through all of them (default `true`). See {@link fuseStages}.
	 */
	fuseStages?: boolean;
	/**
	 * Most batches one message may carry (default 128; 1 sends each alone).
	 * Only batches measured at under 100 ms share messages (up to about
	 * 200 ms of stage time each), which saves the per-message round trip on
	 * small batches. Off without retries
	 * (`numRunAttempts` 1) and with `maxCallsPerWorker`.
	 */
	maxBatchesPerMessage?: number;
	/**
	 * Between stage groups, keep the outputs in the bytes the workers sent and
	 * pass them on as they are, instead of decoding them here and encoding
	 * them again (default `true`; applies when at most 10,000 tasks enter the
	 * group, that is few large tasks such as document batches).
	 */
	keepEncoded?: boolean;
	/** What the machine offers; detected when omitted. */
	machine?: MachineResources;
}

/** Defaults of {@link ActorPoolConfig} (the fault options' are the runtime's `faultPolicyDefaults`). */
export const actorPoolDefaults = {
	isolation: "process",
	slotsPerWorker: 2,
	fuseStages: true,
	maxBatchesPerMessage: 128,
} as const;

/** Rules of {@link ActorPoolConfig}'s own keys (unknown keys are refused by name). */
export const actorPoolConfigSchema = optionSchema<Omit<ActorPoolConfig, keyof ExecutorConfig>>({
	...faultOptionRules,
	isolation: optionRules.oneOf("process", "thread"),
	maxWorkersPerStage: optionRules.whole(),
	workerMaxHeapMb: optionRules.whole(),
	maxCallsPerWorker: optionRules.whole(),
	slotsPerWorker: optionRules.whole(),
	fuseStages: optionRules.boolean,
	maxBatchesPerMessage: optionRules.whole(),
	keepEncoded: optionRules.boolean,
	machine: optionRules.object,
});

/** Rules of {@link ActorPoolStageOptions} (`stage.backend.actorPool`). */
export const actorPoolStageSchema = optionSchema<ActorPoolStageOptions>({
	...faultOptionRules,
	fuse: optionRules.boolean,
});
