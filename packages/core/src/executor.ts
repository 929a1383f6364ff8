import { assertSchedulable, type ResourceKind } from "./capabilities.ts";
import { openCheckpoint, type Resume } from "./checkpoint/resume.ts";
import type { CheckpointStore } from "./checkpoint/store.ts";
import { AbortError, CuratorError, ErrorCodes } from "./errors.ts";
import type { RunEvent, RunEventListener, TaskFailure } from "./events.ts";
import { rootTaskId } from "./ids.ts";
import { type Logger, silentLogger } from "./logger.ts";
import { batchRecordOf, type RunObserver } from "./observer.ts";
import {
	executorConfigSchema,
	extendSchema,
	type OptionSchema,
	optionsProblem,
} from "./option-schema.ts";
import { resolveStages } from "./plan.ts";
import { commitStages, preflightStages, publishOutputs, rollbackStages } from "./run-hooks.ts";
import { checkRunId, describePipeline, newRunId, type RunInfo } from "./run-info.ts";
import type { BackendStageOptions, ProcessingStage } from "./stage.ts";
import { type RunSummary, RunSummaryBuilder } from "./summary.ts";
import { EmptyTask, isTask, type Task } from "./task.ts";
import { refuseRunInWorker } from "./worker-role.ts";

/** What a backend can do; the conformance kit reads it to skip cases visibly. */
export interface ExecutorSupports {
	/** Runs stages on several nodes. */
	multiNode: boolean;
	/** Runs stages outside the caller's process, so a crash cannot take the caller down. */
	processIsolation: boolean;
	/** Stops on `AbortSignal` and reaps its workers. */
	abort: boolean;
	/** Retries batches whose worker died. */
	retries: boolean;
	/**
	 * Honours `ignoreFailures`: a failed batch is recorded in the run's failure
	 * report (stage, task ids, error, attempts) and the run goes on.
	 */
	ignoreFailures: boolean;
	/** Runs all stages at once with bounded queues. */
	streaming: boolean;
	/**
	 * Passes large outputs from one worker process to the next through files in
	 * a spill folder under `CURATOR_SPILL_DIR` (absent: it does not). A folder
	 * that fails writes fails the run with `CURATOR_SPILL_FAILED` naming the
	 * folder, never a stage, even with `ignoreFailures`.
	 */
	spill?: boolean;
}

/** Settings every executor accepts. */
export interface ExecutorConfig {
	/** Leave the Ray head node out of scheduling (env: `CURATOR_IGNORE_RAY_HEAD_NODE`). */
	ignoreHeadNode?: boolean;
	/** Where logs go; defaults to silence. */
	logger?: Logger;
}

/** What a subclass passes to the base constructor. */
export interface ExecutorIdentity {
	/** Backend name, prefixed to error messages (e.g. `actor-pool`). */
	backend: string;
	supports: ExecutorSupports;
	/**
	 * Resource kinds beyond CPUs the backend places (default none): a stage
	 * asking for any other kind is refused before the run starts.
	 */
	schedules?: readonly ResourceKind[];
	/**
	 * The backend's own config keys and their rules; with it, an unknown key
	 * or a bad value fails the constructor by name (the keys of
	 * {@link ExecutorConfig} are added).
	 */
	configSchema?: OptionSchema;
	/** The backend's per-stage options (`stage.backend[key]`), checked when a run starts. */
	stageOptions?: StageOptionsSchema;
}

/** Where a backend's per-stage options live and their rules. */
export interface StageOptionsSchema {
	/** The key under `stage.backend`, e.g. `actorPool`. */
	key: keyof BackendStageOptions & string;
	schema: OptionSchema;
}

/** Per-run options. */
export interface RunOptions {
	/** Cancels the run; every worker is reaped. */
	signal?: AbortSignal;
	/** Receives every run event. */
	onEvent?: RunEventListener;
	/**
	 * Receives a record of every finished or failed batch, on every backend
	 * (see `BatchRecord`); a run feature hangs here instead of parsing events.
	 */
	observer?: RunObserver;
	/**
	 * The run's id (see `RunInfo.runId`): letters, digits, `.`, `_`, `-`.
	 * Generated when omitted; a resumed run passes the id of the run it resumes.
	 */
	runId?: string;
	/** What the stages' run hooks and manifests name as the pipeline; `Pipeline.run` sets it. */
	pipeline?: { name: string; description?: string };
	/**
	 * Makes the run resumable: a folder (or a `CheckpointStore`) where it
	 * records each partition (source output) once every task descended from
	 * it reached the end of the pipeline, was filtered or failed. Started
	 * again after a crash with the same checkpoint, the run skips those
	 * partitions, does the rest, and its sinks publish the same output as an
	 * uninterrupted run. A changed pipeline or input is refused.
	 */
	checkpoint?: string | CheckpointStore;
	/** With `checkpoint`: forget what it holds and start over. */
	restart?: boolean;
}

/** Everything a run produced: outputs, recorded failures and the summary. */
export interface RunResult {
	/** The run's id, given or generated. */
	runId: string;
	tasks: Task[];
	failures: TaskFailure[];
	summary: RunSummary;
}

/** Handed to {@link BaseExecutor.executeStages}: how a backend reports and checks. */
export interface ExecutionContext {
	readonly signal: AbortSignal;
	readonly logger: Logger;
	/**
	 * Reports an event (also folded into the run summary). This is the run
	 * observer seam: a backend reports every batch here, as `batch:done` with
	 * its ids (from the adapter's `BatchResult`) or `task:failed`, and
	 * `RunOptions.observer` gets a `BatchRecord` for each.
	 */
	emit(event: RunEvent): void;
	/**
	 * Whether the run reads its batches' task ids: it has an observer or a
	 * checkpoint (`BaseExecutor.run` always says). When false, a backend may
	 * leave the `inputIds` and `outputIds` of `batch:done` empty rather than
	 * derive them (`filteredIds` are always there: the summary counts them);
	 * when absent, ids are read.
	 */
	readonly recordsBatches?: boolean;
	/** Records a task failure (with `ignoreFailures`); the run goes on. */
	recordFailure(failure: TaskFailure): void;
	/** Throws {@link AbortError} if the run was cancelled. */
	throwIfAborted(): void;
}

/**
 * Base of every backend. {@link BaseExecutor.execute} and
 * {@link BaseExecutor.run} are template methods: they resolve and validate
 * the stages, give initial tasks their root ids, wire events, cancellation
 * and the summary, run every stage's `preflight()` check in the calling
 * process, then call the one hook a backend implements,
 * {@link BaseExecutor.executeStages}, and, in the calling process again,
 * every stage's `commit()` (then `publishedOutputs()`) when all stages
 * succeeded or `rollback()` when the run failed or was aborted.
 */
export abstract class BaseExecutor<Config extends ExecutorConfig = ExecutorConfig> {
	readonly config: Readonly<Config>;
	readonly ignoreHeadNode: boolean;
	readonly backend: string;
	readonly supports: Readonly<ExecutorSupports>;
	/** Resource kinds beyond CPUs this backend places; see {@link ExecutorIdentity.schedules}. */
	readonly schedules: readonly ResourceKind[];
	/** The key of this backend's per-stage options under `stage.backend`, when it has some. */
	readonly stageOptionsKey: string | undefined;
	protected readonly logger: Logger;
	readonly #stageSchema: OptionSchema | undefined;

	constructor(config: Config, identity: ExecutorIdentity) {
		if (typeof config !== "object" || config === null) {
			throw new CuratorError(
				ErrorCodes.invalidConfig,
				`${identity.backend}: config must be an object`,
			);
		}
		if (identity.configSchema !== undefined) {
			const schema = extendSchema(executorConfigSchema, identity.configSchema);
			const problem = optionsProblem(schema, config);
			if (problem !== undefined) {
				throw new CuratorError(ErrorCodes.invalidConfig, `${identity.backend}: ${problem}`);
			}
		}
		this.config = Object.freeze({ ...config });
		this.backend = identity.backend;
		this.supports = Object.freeze({ ...identity.supports });
		this.schedules = Object.freeze([...(identity.schedules ?? [])]);
		this.stageOptionsKey = identity.stageOptions?.key;
		this.#stageSchema = identity.stageOptions?.schema;
		this.ignoreHeadNode = config.ignoreHeadNode ?? envFlag("CURATOR_IGNORE_RAY_HEAD_NODE");
		this.logger = (config.logger ?? silentLogger).child({ backend: identity.backend });
	}

	/** Runs `stages` on `initialTasks` (default: one `EmptyTask`) and resolves to the output tasks. */
	async execute(
		stages: readonly unknown[],
		initialTasks?: readonly Task[],
		options?: RunOptions,
	): Promise<Task[]> {
		return (await this.run(stages, initialTasks, options)).tasks;
	}

	/**
	 * Like {@link execute}, also returning recorded failures and the run summary.
	 * Refused (`CURATOR_RUN_IN_WORKER`) inside a worker: see `refuseRunInWorker`.
	 */
	async run(
		stages: readonly unknown[],
		initialTasks?: readonly Task[],
		options: RunOptions = {},
	): Promise<RunResult> {
		refuseRunInWorker(this.backend);
		const givenId =
			options.runId === undefined ? undefined : checkRunId(options.runId, this.backend);
		const resume = await openCheckpoint(resolveStages(stages), givenId, options);
		const resolved = resume.stages;
		const runId = resume.runId ?? givenId ?? newRunId();
		const info: RunInfo = {
			runId,
			pipeline: describePipeline(resolved, this.backend, options.pipeline),
			logger: this.logger,
			...(resume.run === undefined ? {} : { checkpoint: resume.run.info }),
		};
		const roots = rootTasks(initialTasks);
		const summary = new RunSummaryBuilder();
		const failures: TaskFailure[] = [];
		const signal = options.signal ?? new AbortController().signal;
		const { observer } = options;
		const recordsBatches = observer !== undefined || resume.run !== undefined;
		const emit = (event: RunEvent): void => {
			if (event.type === "log") logEvent(this.logger, event);
			summary.add(event);
			if (event.type === "task:failed") failures.push(event.failure);
			options.onEvent?.(event);
			if (!recordsBatches) return;
			const record = batchRecordOf(event);
			if (record === undefined) return;
			resume.run?.onBatch(record);
			observer?.onBatch(record);
		};
		const context: ExecutionContext = {
			signal,
			logger: this.logger,
			emit,
			recordsBatches,
			recordFailure: (failure) => emit({ type: "task:failed", failure }),
			throwIfAborted: () => {
				if (signal.aborted) throw new AbortError(signal.reason);
			},
		};
		emit({
			type: "run:start",
			backend: this.backend,
			stages: resolved.map((s) => s.name),
			tasks: roots.length,
		});
		try {
			context.throwIfAborted();
			assertSchedulable(resolved, this.schedules, this.backend);
			this.#checkStageOptions(resolved);
			await preflightStages(resolved, info);
			const tasks = await this.#executeAndCommit(resolved, roots, context, info, resume.run);
			emit({ type: "run:end", ok: true });
			return { runId, tasks, failures, summary: summary.build() };
		} catch (error) {
			const wrapped =
				signal.aborted && !(error instanceof AbortError) ? new AbortError(signal.reason) : error;
			emit({ type: "run:end", ok: false, error: errorMessage(wrapped) });
			throw wrapped;
		} finally {
			await resume.run?.close();
		}
	}

	/**
	 * Runs the stages, then commits them; when the stages fail or the run is
	 * aborted, rolls them back (a failed commit rolls back itself).
	 */
	async #executeAndCommit(
		stages: ProcessingStage[],
		roots: Task[],
		context: ExecutionContext,
		info: RunInfo,
		resume: Resume | undefined,
	): Promise<Task[]> {
		let tasks: Task[];
		try {
			tasks = await this.executeStages(stages, roots, context);
			context.throwIfAborted();
			await resume?.settle();
		} catch (error) {
			// With a checkpoint (info.checkpoint), sinks keep their staged output for the resume.
			await rollbackStages(stages, info);
			throw error;
		}
		await commitStages(stages, info);
		const outputs = await publishOutputs(stages, tasks, info);
		await resume?.complete();
		return outputs;
	}

	/**
	 * The backend's work: run resolved stages (roles assigned, names unique)
	 * on tasks that already have root ids, and return the final outputs.
	 */
	protected abstract executeStages(
		stages: ProcessingStage[],
		initialTasks: Task[],
		context: ExecutionContext,
	): Promise<Task[]>;

	/** Rejects, by stage and option path, per-stage options of this backend its schema refuses. */
	#checkStageOptions(stages: readonly ProcessingStage[]): void {
		const key = this.stageOptionsKey;
		const schema = this.#stageSchema;
		if (key === undefined || schema === undefined) return;
		for (const stage of stages) {
			const own = (stage.backend as Record<string, unknown>)[key];
			if (own === undefined) continue;
			const problem = optionsProblem(schema, own, `backend.${key}`);
			if (problem !== undefined) {
				throw this.error(ErrorCodes.invalidConfig, `stage "${stage.name}": ${problem}`);
			}
		}
	}

	/** A `CuratorError` whose message is prefixed with the backend name. */
	protected error(code: CuratorError["code"], message: string, cause?: unknown): CuratorError {
		return new CuratorError(
			code,
			`${this.backend}: ${message}`,
			cause === undefined ? undefined : { cause },
		);
	}
}

function rootTasks(initialTasks: readonly Task[] | undefined): Task[] {
	if (initialTasks === undefined || initialTasks.length === 0) return [new EmptyTask()];
	return initialTasks.map((task, index) => {
		if (!isTask(task)) {
			throw new CuratorError(ErrorCodes.invalidTask, `initial task ${index} is not a Task`);
		}
		task.taskId = rootTaskId(index);
		return task;
	});
}

function envFlag(name: string): boolean {
	const value = globalThis.process?.env?.[name]?.toLowerCase();
	return value === "1" || value === "true" || value === "yes";
}

function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
 * A `log` event is also a record of the run's logger: a backend reports a
 * record once, as an event, and both a logger and an event listener get it.
 */
function logEvent(logger: Logger, event: Extract<RunEvent, { type: "log" }>): void {
	const { level, message, stage, workerId, fields } = event;
	logger[level](
		{
			...fields,
			...(stage === undefined ? {} : { stage }),
			...(workerId === undefined ? {} : { workerId }),
		},
		message,
	);
}
