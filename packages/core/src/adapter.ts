import { withoutSkipped } from "./checkpoint/skips.ts";
import { CuratorError, ErrorCodes, StageError } from "./errors.ts";
import type { BatchCallStats } from "./events.ts";
import { type AssignedIds, assignTaskIdsInOrder } from "./ids.ts";
import type { Logger } from "./logger.ts";
import type { NodeInfo, WorkerMetadata } from "./node.ts";
import { compareTaskIds, isBarrier, sortByTaskId } from "./order.ts";
import { emptyPerfStats, type StagePerfStats, sameRecords } from "./perf.ts";
import {
	consumeStageMetrics,
	type ProcessingStage,
	type StageIO,
	type StageOutput,
	setStageLogger,
} from "./stage.ts";
import type { Task } from "./task.ts";
import { type Clock, StageTimer } from "./timer.ts";

/** Extra facts about a batch that only the backend knows. */
export interface BatchHints {
	/** Encoded size of the input tasks, in bytes. */
	inputSizeBytes?: number;
	/** Whether the stage is the pipeline's source (ids from `deterministicId()`). */
	isSource?: boolean;
}

/**
 * The task ids of one batch call, for run observers (see `BatchRecord`):
 * every input id once, in call order, with the outputs' ids and the inputs
 * that produced nothing.
 */
export interface BatchIds {
	inputIds: string[];
	outputIds: string[];
	/** Input ids whose slot was filtered (returned `null` or no task). */
	filteredIds: string[];
}

/** What one batch call produced. */
export interface BatchResult<Out extends Task = Task> extends BatchIds {
	tasks: Out[];
	perf: StagePerfStats;
}

/**
 * Wraps a stage for a backend. Its public methods are template methods: they
 * validate, time the call, assign task ids, drop filtered results, consume
 * the stage's custom metrics and append one {@link StagePerfStats} to every
 * output task; a barrier stage (see {@link isBarrier}) gets its inputs in
 * task-id order, whatever order they arrived in.
 * {@link BaseStageAdapter.invokeStage} is the hook a backend may override.
 * Lifecycle calls are delegated to the stage.
 */
export class BaseStageAdapter<In extends Task = Task, Out extends Task = Task> {
	readonly stage: ProcessingStage<In, Out>;
	protected readonly timer: StageTimer;
	#workerId: string | undefined;

	constructor(stage: ProcessingStage<In, Out>, clock?: Clock) {
		this.stage = stage;
		this.timer = new StageTimer(stage.name, clock);
	}

	/** Gives the stage its {@link ProcessingStage.logger}; a backend binds it to the stage and worker. */
	useLogger(logger: Logger): this {
		setStageLogger(this.stage, logger);
		return this;
	}

	/** Runs the stage's `setupOnNode`. */
	async setupOnNode(nodeInfo: NodeInfo, workerMetadata: WorkerMetadata): Promise<void> {
		await this.stage.setupOnNode(nodeInfo, workerMetadata);
	}

	/** Runs the stage's `setup`; idle time is counted from its end. */
	async setup(workerMetadata: WorkerMetadata): Promise<void> {
		this.#workerId = workerMetadata.workerId;
		await this.stage.setup(workerMetadata);
		this.timer.markReady();
	}

	/** Runs the stage's `teardown`. */
	async teardown(): Promise<void> {
		await this.stage.teardown();
	}

	/** Processes one batch; see the class comment. */
	async processBatch(tasks: In[], hints: BatchHints = {}): Promise<Out[]> {
		return (await this.processBatchWithStats(tasks, hints)).tasks;
	}

	/**
	 * Like {@link processBatch}, also returning the batch's perf record. Tasks
	 * a resumed run skips (`ProcessingStage.resumeSkips`) never reach the
	 * stage: they count as filtered inputs.
	 */
	processBatchWithStats(input: In[], hints: BatchHints = {}): Promise<BatchResult<Out>> {
		// Not async itself: a stage that resumes nothing (most calls, once per batch of maybe one
		// task) gets the call's own promise, with no promise and no microtask of this method's.
		return this.stage.resumeSkips === undefined
			? this.#process(input, hints)
			: this.#processResumed(input, hints);
	}

	async #processResumed(input: In[], hints: BatchHints): Promise<BatchResult<Out>> {
		const { kept, skipped } = withoutSkipped(this.stage, input);
		if (skipped.length === 0) return this.#process(input, hints);
		const result =
			kept.length > 0
				? await this.#process(kept, hints)
				: {
						tasks: [],
						perf: emptyPerfStats(this.stage.name),
						inputIds: [],
						outputIds: [],
						filteredIds: [],
					};
		return {
			...result,
			inputIds: [...result.inputIds, ...skipped],
			filteredIds: [...result.filteredIds, ...skipped],
		};
	}

	async #process(input: In[], hints: BatchHints): Promise<BatchResult<Out>> {
		const tasks = isBarrier(this.stage) ? inTaskIdOrder(input) : input;
		// Read before the call: a stage may hand its inputs back as outputs, which get new ids.
		const taskIds = new Array<string>(tasks.length);
		const required = this.stage.inputs();
		const needsFields = (required.task?.length ?? 0) + (required.data?.length ?? 0) > 0;
		let numItems = 0;
		for (let i = 0; i < tasks.length; i++) {
			const task = tasks[i] as In;
			taskIds[i] = task.taskId;
			this.#validateInput(task, required, needsFields);
			numItems += safeNumItems(task);
		}
		let results: StageOutput<Out>[];
		let timing: Awaited<ReturnType<StageTimer["time"]>>[1];
		try {
			[results, timing] = await this.timer.time(numItems, () => this.invokeStage(tasks));
			if (!Array.isArray(results)) {
				throw new CuratorError(ErrorCodes.invalidTask, "processBatch must return an array");
			}
		} catch (error) {
			consumeStageMetrics(this.stage);
			throw this.#stageError(taskIds, error);
		}
		let outputs: AssignedIds<Out>;
		try {
			outputs = assignTaskIdsInOrder(this.stage.name, tasks, results, hints.isSource ?? false);
		} catch (error) {
			throw this.#stageError(taskIds, error);
		}
		const perf = this.timer.record(
			timing,
			{
				batchId: taskIds[0] ?? "",
				numItems,
				numTasks: tasks.length,
				inputSizeBytes: hints.inputSizeBytes ?? 0,
			},
			consumeStageMetrics(this.stage),
		);
		const { tasks: out, parents, filtered } = outputs;
		const outputIds = new Array<string>(out.length);
		// One frozen history per run of equal parent histories: no array to allocate and collect per small task.
		let previous: readonly StagePerfStats[] | undefined;
		let history: readonly StagePerfStats[] = [];
		for (let i = 0; i < out.length; i++) {
			const earlier = (parents[i] as Task).stagePerf;
			// Most outputs share their predecessor's parent history: one comparison, no call.
			if (earlier !== previous && (previous === undefined || !sameRecords(earlier, previous))) {
				history = Object.freeze([...earlier, perf]);
				previous = earlier;
			}
			(out[i] as Out).stagePerf = history;
			outputIds[i] = (out[i] as Out).taskId;
		}
		const filteredIds = filtered.map((i) => taskIds[i] as string);
		return { tasks: out, perf, inputIds: taskIds, outputIds, filteredIds };
	}

	/** Calls the stage; a backend may override this hook (never the public methods). */
	protected async invokeStage(tasks: In[]): Promise<StageOutput<Out>[]> {
		return this.stage.processBatch(tasks);
	}

	#validateInput(task: In, required: StageIO, needsFields: boolean): void {
		if (needsFields) {
			const missing = missingFields(task, required);
			if (missing.length > 0) this.#invalid(task, `missing ${missing.join(", ")}`);
		}
		if (!task.validate()) this.#invalid(task, "validate() failed");
	}

	#invalid(task: In, what: string): never {
		throw this.#stageError(
			[task.taskId],
			new CuratorError(ErrorCodes.invalidTask, `invalid input task (${what})`),
		);
	}

	#stageError(taskIds: string[], cause: unknown): StageError {
		if (cause instanceof StageError) return cause;
		const context = { stage: this.stage.name, taskIds, ...workerOf(this.#workerId) };
		return new StageError(context, cause);
	}
}

/**
 * The stats of one call of `stage` on `tasksIn` tasks, from its result: what
 * `batch:done` reports, built in one place for every backend and worker.
 */
export function batchCallStats(
	stage: string,
	tasksIn: number,
	result: BatchResult,
): BatchCallStats {
	let itemsOut = 0;
	for (const task of result.tasks) itemsOut += task.numItems;
	return {
		stage,
		tasksIn,
		tasksOut: result.tasks.length,
		itemsIn: result.perf.numItemsProcessed,
		itemsOut,
		perf: result.perf,
		inputIds: result.inputIds,
		outputIds: result.outputIds,
		filteredIds: result.filteredIds,
	};
}

/** `tasks` in task-id order: the array itself when already so, else a sorted copy. */
function inTaskIdOrder<T extends Task>(tasks: T[]): T[] {
	for (let i = 1; i < tasks.length; i++) {
		if (compareTaskIds((tasks[i - 1] as T).taskId, (tasks[i] as T).taskId) > 0) {
			return sortByTaskId(tasks);
		}
	}
	return tasks;
}

/** The attributes and data fields `required` names that `task` lacks. */
function missingFields(task: Task, required: StageIO): string[] {
	return [
		...(required.task ?? []).filter((attr) => !(attr in task)),
		...(required.data ?? []).filter((field) => !hasDataField(task, field)).map((f) => `data.${f}`),
	];
}

function workerOf(workerId: string | undefined): { workerId?: string } {
	return workerId === undefined ? {} : { workerId };
}

function safeNumItems(task: Task): number {
	const n = task.numItems;
	return Number.isFinite(n) && n > 0 ? n : 0;
}

function hasDataField(task: Task, field: string): boolean {
	const withFields = task as Task & { hasDataField?: (name: string) => boolean };
	if (typeof withFields.hasDataField === "function") return withFields.hasDataField(field);
	const data = task.data;
	return typeof data === "object" && data !== null && field in data;
}
