import type { ExecutorConfig, MachineResources } from "@curator/core";
import {
	type FaultOptions,
	faultOptionKeys,
	faultOptionsProblem,
	type Isolation,
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

const wholeKeys = [
	"maxWorkers",
	"maxQueuedBatches",
	"maxQueuedBytes",
	"maxCallsPerWorker",
	"workerMaxHeapMb",
	"slotsPerWorker",
	"shutdownGraceMs",
] as const;
const configKeys = new Set<string>([
	...wholeKeys,
	...faultOptionKeys,
	"isolation",
	"fuseStages",
	"machine",
	"ignoreHeadNode",
	"logger",
]);
const stageWholeKeys = ["minWorkers", "maxWorkers", "maxQueuedBatches", "maxQueuedBytes"] as const;
const stageKeys = new Set<string>([...stageWholeKeys, ...faultOptionKeys, "stateless", "fuse"]);

/** Checks executor settings; returns the first problem, or `undefined`. */
export function configProblem(config: DataConfig): string | undefined {
	const unknown = Object.keys(config).find((key) => !configKeys.has(key));
	if (unknown !== undefined) return `unknown config key "${unknown}"`;
	const bad = wholeKeys.find((key) => !isWholeOrAbsent(config[key]));
	if (bad !== undefined) return `${bad} must be a whole number >= 1, got ${String(config[bad])}`;
	if (
		config.isolation !== undefined &&
		config.isolation !== "process" &&
		config.isolation !== "thread"
	) {
		return `isolation must be "process" or "thread", got ${JSON.stringify(config.isolation)}`;
	}
	return faultOptionsProblem(config) ?? booleanProblem(config, ["fuseStages"]);
}

/** Checks one stage's `backend.data`; returns the first problem, or `undefined`. */
export function stageOptionsProblem(options: DataStageOptions): string | undefined {
	if (typeof options !== "object" || options === null) return "backend.data must be an object";
	const unknown = Object.keys(options).find((key) => !stageKeys.has(key));
	if (unknown !== undefined) return `unknown option backend.data.${unknown}`;
	const bad = stageWholeKeys.find((key) => !isWholeOrAbsent(options[key]));
	if (bad !== undefined) {
		return `backend.data.${bad} must be a whole number >= 1, got ${String(options[bad])}`;
	}
	if (
		options.minWorkers !== undefined &&
		options.maxWorkers !== undefined &&
		options.minWorkers > options.maxWorkers
	) {
		return "backend.data.minWorkers is larger than backend.data.maxWorkers";
	}
	return (
		faultOptionsProblem(options, "backend.data.") ?? booleanProblem(options, ["stateless", "fuse"])
	);
}

function isWholeOrAbsent(value: unknown): boolean {
	return value === undefined || (Number.isInteger(value) && (value as number) >= 1);
}

function booleanProblem<T extends object>(
	values: T,
	keys: readonly (keyof T)[],
): string | undefined {
	const bad = keys.find((key) => values[key] !== undefined && typeof values[key] !== "boolean");
	return bad === undefined ? undefined : `${String(bad)} must be true or false`;
}
