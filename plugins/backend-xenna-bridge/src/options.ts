import { type ExecutorConfig, optionRules, optionSchema } from "@curator/core";
import { type FaultOptions, faultOptionRules } from "@curator/runtime";

/** How Cosmos-Xenna schedules the stages: all at once with backpressure, or one after another. */
export type XennaExecutionMode = "streaming" | "batch";

/**
 * Per-stage options of the Xenna bridge (`stage.with({ backend: { xenna: {...} } })`),
 * mapped 1:1 onto Cosmos-Xenna's `StageSpec`. The shared fault policy's options
 * (`numRunAttempts`, `numSetupAttempts`, `ignoreFailures`, `processTimeoutS`,
 * `teardownTimeoutS`; see the runtime README) fall back to the executor's
 * config, then to the runtime's `faultPolicyDefaults`, as on every backend;
 * the other unset fields to Xenna's own defaults. Xenna retries any failure of
 * a batch in the same actor, with a 2 s, 4 s, ... backoff; a dead Node worker
 * is restarted first.
 */
export interface XennaStageOptions extends FaultOptions {
	/**
	 * Fixed number of workers (actors, each with its own Node worker). Default:
	 * the stage's `numWorkers()`, else one worker per node; `"auto"` lets
	 * Xenna's autoscaler decide (streaming) or fill the cluster (batch).
	 */
	numWorkers?: number | "auto";
	/** Workers per node (`ceil(nodes × value)` in all); exclusive with `numWorkers`. */
	numWorkersPerNode?: number;
	/** Restart the actor after an ignored failure. */
	resetWorkersOnFailure?: boolean;
	/** Batches queued or prefetched per actor. */
	slotsPerActor?: number;
	/** Recycle actors after this many minutes (0 = never). */
	workerMaxLifetimeM?: number;
	/** Minimum gap between two lifetime restarts in a stage, in minutes. */
	workerRestartIntervalM?: number;
	/** Tolerated percentage of failed `setup`s (default: the first failure fails the run). */
	maxSetupFailurePercentage?: number;
	/**
	 * Whether the stage may share its Xenna stage (its actors and Node
	 * workers) with its neighbours (default `true`; see {@link XennaConfig.fuseStages}).
	 */
	fuse?: boolean;
}

declare module "@curator/core" {
	interface BackendStageOptions {
		xenna?: XennaStageOptions;
	}
}

/** Settings of {@link XennaExecutor}, with the defaults of the shared fault policy's options. */
export interface XennaConfig extends ExecutorConfig, FaultOptions {
	/** `"streaming"` (all stages at once) or `"batch"` (stage after stage). */
	executionMode?: XennaExecutionMode;
	/** How often Xenna logs its stats tables, in seconds. */
	loggingIntervalS?: number;
	/** Share of each node's CPUs Xenna may allocate (it truncates: `int(cpus × value)`). */
	cpuAllocationPercentage?: number;
	/** Streaming autoscaler period, in seconds. */
	autoscaleIntervalS?: number;
	/** Upper bound of fixed worker counts per stage. */
	maxWorkersPerStage?: number;
	/**
	 * Run consecutive stages that allow it as one Xenna stage (default `true`):
	 * each of its Node workers passes a batch through all of them, so the
	 * documents cross the Ray object store and a Python actor once per group
	 * instead of once per stage. Stages fuse under the runtime's `fuseStages`
	 * rule (not a source, no `setup` of their own, no GPU, no fixed worker
	 * count, the same CPUs and fault policy, the second not a barrier) and
	 * when their other `xenna` options are the same.
	 */
	fuseStages?: boolean;
	/**
	 * Keep stage actors, with their Node workers, from one Xenna pipeline to the
	 * next of the same driver (default `true`): the phase after a barrier and,
	 * with `keepAliveS`, the next run take the actors the last one left idle
	 * instead of starting new ones (each stage gets new instances, `setup` and
	 * `teardown` as before; the processes and the modules they loaded stay).
	 * `false`: new processes for every stage of every run.
	 */
	reuseActors?: boolean;
	/**
	 * Address of a running Ray cluster to join (`host:port` of its GCS); the
	 * driver must run on one of its nodes. Default: `RAY_ADDRESS`, else a local
	 * cluster is started for the run and shut down after it.
	 */
	rayAddress?: string;
	/**
	 * With `rayAddress`: pack what the cluster's nodes need to run this process's
	 * stages (the modules that registered them and the npm packages they import, a
	 * Node.js binary, the bridge with pyzmq and tqdm) and hand it to Ray as the run's
	 * `runtime_env`, so the nodes need only Python with ray and cosmos-xenna. Ray
	 * uploads each package only when the cluster lacks it. `false` when every node
	 * has this code, Node.js and the bridge's venv at the same paths. Default:
	 * `CURATOR_XENNA_SHIP` (`0` for false), else true.
	 */
	ship?: boolean;
	/**
	 * Where the project of this process's stages is (its package.json): its files
	 * are packed as they are placed below it. Default: the current directory.
	 */
	project?: string;
	/**
	 * Python interpreter with `ray_js_bridge` and its dependencies. Default:
	 * `CURATOR_XENNA_PYTHON`, else the project venv made by `tools/env/python-venv.sh`.
	 */
	python?: string;
	/**
	 * Logical CPUs of a local cluster. Default: this machine's, or more when the
	 * pipeline needs more at once (every worker of a streaming phase, or of the
	 * largest batch stage, after `cpuAllocationPercentage`'s truncation). A run
	 * that does not fit an explicit value fails before any stage.
	 */
	localCpus?: number;
	/**
	 * Object store of a local cluster, in MiB. Default: Ray's own sizing (30% of
	 * the machine's memory; taken as it is used). A barrier's input (every task of
	 * the run) passes through it at once: a small store spills it to disk.
	 */
	objectStoreMemoryMb?: number;
	/**
	 * Address the executor binds for the driver. Any address other than a
	 * loopback one turns on CURVE encryption.
	 */
	bindHost?: string;
	/** Largest sum of payload frames in one message, in bytes (both directions). */
	maxMessageBytes?: number;
	/** How long the driver may take to start and greet, in seconds. */
	handshakeTimeoutS?: number;
	/** After `cancel`, how long the driver may take to clean up before it is killed, in seconds. */
	cancelGraceS?: number;
	/**
	 * Start Xenna's per-node resource monitor actors (per-stage CPU and memory
	 * in its stats tables). Off by default: it costs one actor per node per run.
	 */
	resourceMonitor?: boolean;
	/**
	 * Keep the driver (its Ray connection, and a local cluster it started)
	 * for this many seconds after a run, for the next run of any
	 * `XennaExecutor` of this process with the same `python`, `rayAddress`,
	 * `bindHost`, `maxMessageBytes`, `localCpus` and `objectStoreMemoryMb`.
	 * 0: one driver per run. {@link closeIdleDrivers} ends them early.
	 */
	keepAliveS?: number;
}

/** Defaults of {@link XennaConfig} and {@link XennaStageOptions} (the fault options': the runtime's `faultPolicyDefaults`). */
export const xennaDefaults = {
	executionMode: "streaming",
	loggingIntervalS: 60,
	cpuAllocationPercentage: 0.95,
	autoscaleIntervalS: 180,
	fuseStages: true,
	reuseActors: true,
	bindHost: "127.0.0.1",
	maxMessageBytes: 256 * 1024 * 1024,
	handshakeTimeoutS: 120,
	cancelGraceS: 15,
	resourceMonitor: false,
	keepAliveS: 0,
	/** Cosmos-Xenna version the bridge is built and tested against. */
	xennaVersion: "0.2.0",
	/** Ray version the bridge is tested with (Xenna 0.2.0 accepts >= 2.46). */
	rayVersion: "2.55.1",
} as const;

const whole = optionRules.whole();
const positive = optionRules.number({ above: 0 });
const minutes = optionRules.number({ min: 0 });

/** Rules of {@link XennaConfig}'s own keys (unknown keys are refused by name). */
export const xennaConfigSchema = optionSchema<Omit<XennaConfig, keyof ExecutorConfig>>({
	executionMode: optionRules.oneOf("streaming", "batch"),
	...faultOptionRules,
	loggingIntervalS: positive,
	cpuAllocationPercentage: optionRules.number({ above: 0, max: 1 }),
	autoscaleIntervalS: positive,
	maxWorkersPerStage: whole,
	fuseStages: optionRules.boolean,
	reuseActors: optionRules.boolean,
	rayAddress: optionRules.text,
	ship: optionRules.boolean,
	project: optionRules.text,
	python: optionRules.text,
	localCpus: whole,
	objectStoreMemoryMb: whole,
	bindHost: optionRules.text,
	maxMessageBytes: whole,
	handshakeTimeoutS: positive,
	cancelGraceS: positive,
	resourceMonitor: optionRules.boolean,
	keepAliveS: optionRules.number({ min: 0 }),
});

/** Rules of {@link XennaStageOptions} (`stage.backend.xenna`). */
export const xennaStageSchema = optionSchema<XennaStageOptions>(
	{
		numWorkers: optionRules.anyOf(whole, optionRules.oneOf("auto")),
		...faultOptionRules,
		numWorkersPerNode: positive,
		resetWorkersOnFailure: optionRules.boolean,
		slotsPerActor: whole,
		workerMaxLifetimeM: minutes,
		workerRestartIntervalM: minutes,
		maxSetupFailurePercentage: optionRules.number({ min: 0 }),
		fuse: optionRules.boolean,
	},
	(options, prefix) =>
		options.numWorkers !== undefined && options.numWorkersPerNode !== undefined
			? `${prefix}numWorkers and ${prefix}numWorkersPerNode are exclusive`
			: undefined,
);
