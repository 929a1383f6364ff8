import type { StagePerfStats } from "./perf.ts";
import { registerModule } from "./registry.ts";

/** What a task is built from; `taskId` is never among them (the framework assigns it). */
export interface TaskInit<T> {
	datasetName: string;
	data: T;
	metadata?: Record<string, unknown>;
	stagePerf?: readonly StagePerfStats[];
}

/**
 * A unit of work flowing between stages.
 *
 * Subclasses define {@link Task.numItems}; they may define
 * {@link Task.deterministicId} (a content id that a source stage uses as the
 * task id) and refine {@link Task.validate}. Fields must be structured-clone
 * serializable so a task can travel to another process.
 */
export abstract class Task<T = unknown> {
	/** Assigned by the framework only (see the task-id rules in `ids.ts`). */
	taskId = "";
	datasetName: string;
	data: T;
	metadata: Record<string, unknown>;
	/**
	 * One record per stage the task went through, in pipeline order. Written by
	 * the framework only: it is a frozen array, shared by the tasks of a batch
	 * whose histories are equal (replace it, never change it in place).
	 */
	stagePerf: readonly StagePerfStats[];

	constructor(init: TaskInit<T>) {
		this.datasetName = init.datasetName;
		this.data = init.data;
		this.metadata = init.metadata ?? {};
		this.stagePerf = init.stagePerf ?? [];
	}

	/** Number of items (rows, documents, files ...) this task carries. */
	abstract get numItems(): number;

	/** Whether the task is well-formed; stages may reject invalid input. */
	validate(): boolean {
		return true;
	}

	/**
	 * A content-derived id, used as task id when this task leaves a source
	 * stage. Derive it from what the task reads relative to its input (a path
	 * below the input folder, a size, a hash), never from where the input is
	 * mounted: a resumed run on the input moved or mounted elsewhere must find
	 * the same ids.
	 */
	deterministicId?(): string | undefined;
}

/** The implicit root task of a pipeline run without initial tasks (id `"0"`). */
export class EmptyTask extends Task<null> {
	constructor() {
		super({ datasetName: "empty", data: null });
		this.taskId = "0";
	}

	override get numItems(): number {
		return 0;
	}
}

// The root task travels to workers too (a source stage's input on multi-process backends).
registerModule(import.meta.url, { EmptyTask });

/** Whether `value` is a {@link Task}. */
export function isTask(value: unknown): value is Task {
	if (value instanceof Task) return true;
	// Duck-typed so tasks from another copy of this package (or rebuilt in a worker) still count.
	return (
		typeof value === "object" &&
		value !== null &&
		typeof (value as Task).taskId === "string" &&
		Array.isArray((value as Task).stagePerf) &&
		"numItems" in value
	);
}
