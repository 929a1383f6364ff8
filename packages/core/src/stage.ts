import { CuratorError, ErrorCodes } from "./errors.ts";
import { type Logger, silentLogger } from "./logger.ts";
import type { NodeInfo, WorkerMetadata } from "./node.ts";
import { Resources, type ResourcesInit } from "./resources.ts";
import type { RunInfo } from "./run-info.ts";
import type { Task } from "./task.ts";

/**
 * Per-backend stage options. Empty here on purpose: each backend plugin adds
 * its own key by module augmentation (for example `xenna`, `data`,
 * `actorPool`), so core never names an engine.
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by backend plugins
export interface BackendStageOptions {}

/** Explicit role of a stage in a pipeline. */
export type StageRole = "source" | "sink";

/** What one stage call may return for one input task. */
export type StageOutput<Out> = Out | Out[] | null;

/** Attributes a stage needs (`inputs()`) or produces (`outputs()`). */
export interface StageIO {
	/** Top-level task attributes. */
	task?: readonly string[];
	/** Fields of the task's data (columns, keys). */
	data?: readonly string[];
}

/** Settings every stage has; `with()` changes them on a copy. */
export interface StageSettings {
	name?: string;
	resources?: Resources | ResourcesInit;
	batchSize?: number;
	role?: StageRole;
	backend?: BackendStageOptions;
}

const stageBrand = Symbol.for("curator.stage");
const metricsKey = Symbol.for("curator.stage.metrics");
const loggerKey = Symbol.for("curator.stage.logger");

/**
 * A processing stage: turns input tasks into output tasks.
 *
 * Implement {@link ProcessingStage.process} (or override
 * {@link ProcessingStage.processBatch}). Lifecycle: `setupOnNode` once per
 * node, `setup` once per worker, `teardown` once per worker that ran `setup`.
 * Every method may be async.
 *
 * State is the stage's own enumerable fields; they must be structured-clone
 * serializable, because a worker rebuilds the stage from its class and its
 * fields without running the constructor again.
 */
export abstract class ProcessingStage<In extends Task = Task, Out extends Task = Task> {
	/** Name shown in logs, metrics and dashboards. Defaults to the class name. */
	name: string;
	/** Per-worker resource request. */
	resources: Resources;
	/** Input tasks per call. */
	batchSize: number;
	/** Explicit role; otherwise the pipeline's first stage is the source and its last the sink. */
	role: StageRole | undefined;
	/** Per-backend options, one key per backend. */
	backend: BackendStageOptions;
	/**
	 * Set by a run resumed from a checkpoint on the stage right after its
	 * source: the partitions an earlier run settled. Their tasks are dropped
	 * before this stage sees them (reported as filtered), and task ids stay
	 * what an uninterrupted run gives them. Unset otherwise.
	 */
	declare resumeSkips: readonly string[] | undefined;

	constructor(settings: StageSettings = {}) {
		this.name = settings.name ?? new.target.name;
		this.resources = toResources(settings.resources);
		this.batchSize = settings.batchSize ?? 1;
		this.role = settings.role;
		this.backend = settings.backend ?? {};
	}

	/** Processes one task: a task, several (fan-out) or `null` (filtered out). */
	abstract process(task: In): StageOutput<Out> | Promise<StageOutput<Out>>;

	/**
	 * Processes a batch. Return one entry per input, in input order (positional
	 * ids, `null` for a filtered slot); a flat list of another length is an
	 * ambiguous batch and gets random ids.
	 */
	async processBatch(tasks: In[]): Promise<StageOutput<Out>[]> {
		const results = new Array<StageOutput<Out>>(tasks.length);
		for (let i = 0; i < tasks.length; i++) {
			const result = this.process(tasks[i] as In);
			// Awaiting only real promises saves a microtask per task of a synchronous stage.
			results[i] = isPromiseLike(result) ? await result : result;
		}
		return results;
	}

	/**
	 * Checks what the run needs from its environment (an output folder that
	 * can be written, ...) and throws with the real cause. Runs once per run,
	 * in the calling process, after the pipeline is built and before any
	 * stage starts, on every backend. It must not do the stage's work: on a
	 * cluster, the stage itself may run on another machine. Fields it sets
	 * (the run's id, say) travel to the stage's workers: every backend
	 * describes stages for its workers after this hook.
	 */
	preflight(_run: RunInfo): void | Promise<void> {}

	/**
	 * Makes the stage's output final, once every stage of the run finished
	 * successfully (a sink moves its staged files to their final names and
	 * marks the output finished). Runs once per run, in the calling process,
	 * in stage order, on every backend; a failure fails the run
	 * (`CURATOR_COMMIT_FAILED`). Not run when the run fails or is aborted.
	 */
	commit(_run: RunInfo): void | Promise<void> {}

	/**
	 * The run's output tasks as the caller gets them, once every stage
	 * committed: a sink whose commit chose its files' final names (the
	 * sinks of `@curator/text` name them `part-00000...`) points the tasks
	 * naming its staged files at the published ones. Runs once per run, in
	 * the calling process, in stage order, on every backend, each stage
	 * getting what the one before returned; a failure fails the run
	 * (`CURATOR_COMMIT_FAILED`) without undoing the commit. Default: the
	 * tasks unchanged.
	 */
	publishedOutputs(tasks: Task[], _run: RunInfo): Task[] | Promise<Task[]> {
		return tasks;
	}

	/**
	 * Undoes what the run's workers left for {@link commit} (a sink's staged
	 * files) after the run failed or was aborted, or a commit failed. Runs in
	 * the calling process; a failure is logged, never thrown over the run's
	 * own error. Not run after a crash of the calling process.
	 */
	rollback(_run: RunInfo): void | Promise<void> {}

	/** Runs once per node before any worker of this stage starts there. */
	setupOnNode(_nodeInfo: NodeInfo, _workerMetadata: WorkerMetadata): void | Promise<void> {}

	/** Runs once per worker before its first batch. */
	setup(_workerMetadata: WorkerMetadata): void | Promise<void> {}

	/** Runs once per worker that ran `setup`, also after failures. */
	teardown(): void | Promise<void> {}

	/** Attributes required on input tasks. */
	inputs(): StageIO {
		return {};
	}

	/** Attributes present on output tasks. */
	outputs(): StageIO {
		return {};
	}

	/** Fixed number of workers, when the stage needs one; `undefined` lets the backend decide. */
	numWorkers(): number | undefined {
		return undefined;
	}

	/** A reconfigured copy (same class and fields, some settings changed). */
	with(settings: StageSettings): this {
		const copy = Object.create(Object.getPrototypeOf(this)) as this;
		Object.assign(copy, this);
		if (settings.name !== undefined) copy.name = settings.name;
		if (settings.resources !== undefined) copy.resources = toResources(settings.resources);
		if (settings.batchSize !== undefined) copy.batchSize = settings.batchSize;
		if (settings.role !== undefined) copy.role = settings.role;
		if (settings.backend !== undefined) copy.backend = { ...this.backend, ...settings.backend };
		return copy;
	}

	/**
	 * Where the stage logs: the run's logger bound to the stage (and worker),
	 * given by the backend wherever the stage runs (worker processes forward
	 * to the run's logger). Silent until a backend sets it.
	 */
	get logger(): Logger {
		return (this as unknown as Record<symbol, Logger | undefined>)[loggerKey] ?? silentLogger;
	}

	/** Adds `value` to custom metric `name` for the current call. */
	logMetric(name: string, value: number): void {
		const metrics = metricsOf(this);
		metrics[name] = (metrics[name] ?? 0) + value;
	}

	/** Runs `work` and adds its duration in seconds to custom metric `name`. */
	async timeMetric<T>(name: string, work: () => T | Promise<T>): Promise<T> {
		const start = performance.now();
		try {
			return await work();
		} finally {
			this.logMetric(name, (performance.now() - start) / 1000);
		}
	}
}

Object.defineProperty(ProcessingStage.prototype, stageBrand, { value: true });

/** Whether `value` is a {@link ProcessingStage} (also from another copy of this package). */
export function isProcessingStage(value: unknown): value is ProcessingStage {
	return (
		typeof value === "object" &&
		value !== null &&
		(value as Record<symbol, unknown>)[stageBrand] === true &&
		typeof (value as ProcessingStage).process === "function"
	);
}

/** Returns and clears the custom metrics a stage logged since the last call. */
export function consumeStageMetrics(stage: ProcessingStage): Record<string, number> {
	const holder = stage as unknown as Record<symbol, Record<string, number> | undefined>;
	const metrics = holder[metricsKey];
	if (metrics === undefined) return {};
	holder[metricsKey] = undefined;
	return metrics;
}

/**
 * Sets what {@link ProcessingStage.logger} returns. Not a field: a logger
 * cannot travel, and a rebuilt stage gets the logger of its new process.
 */
export function setStageLogger(stage: ProcessingStage, logger: Logger): void {
	Object.defineProperty(stage, loggerKey, {
		value: logger,
		writable: true,
		enumerable: false,
		configurable: true,
	});
}

/** Whether the stage defines its own `setup` (it then needs long-lived workers). */
export function hasCustomSetup(stage: ProcessingStage): boolean {
	return stage.setup !== ProcessingStage.prototype.setup;
}

function metricsOf(stage: ProcessingStage): Record<string, number> {
	const holder = stage as unknown as Record<symbol, Record<string, number> | undefined>;
	let metrics = holder[metricsKey];
	if (metrics === undefined) {
		metrics = {};
		if (Object.hasOwn(stage, metricsKey)) holder[metricsKey] = metrics;
		else
			Object.defineProperty(stage, metricsKey, {
				value: metrics,
				writable: true,
				enumerable: false,
			});
	}
	return metrics;
}

function toResources(value: Resources | ResourcesInit | undefined): Resources {
	if (value instanceof Resources) return value;
	if (value === undefined) return new Resources();
	if (typeof value !== "object" || value === null) {
		throw new CuratorError(ErrorCodes.invalidResources, "invalid resources: expected an object");
	}
	return new Resources(value);
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
	return (
		typeof value === "object" &&
		value !== null &&
		typeof (value as PromiseLike<T>).then === "function"
	);
}
