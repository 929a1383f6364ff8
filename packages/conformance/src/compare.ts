import { compareTaskIds, type Task } from "@curator/core";
import { canonicalForm } from "./canonical.ts";

/**
 * What the kit compares between backends: everything a stage decides about
 * a task. Perf records are left out (timings differ; their shape is checked
 * by the perf cases).
 */
export interface TaskSnapshot {
	taskId: string;
	/** Class name: a task rebuilt in another process must keep its class. */
	type: string;
	datasetName: string;
	data: unknown;
	metadata: Record<string, unknown>;
	numItems: number;
}

/** Snapshots of `tasks`, in task-id order (backends may return outputs in any order). */
export function snapshotTasks(tasks: readonly Task[]): TaskSnapshot[] {
	return tasks
		.map((task) => ({
			taskId: task.taskId,
			type: task.constructor?.name ?? typeof task,
			datasetName: task.datasetName,
			data: task.data,
			metadata: task.metadata,
			numItems: task.numItems,
		}))
		.sort((a, b) => compareTaskIds(a.taskId, b.taskId));
}

/**
 * The content of `tasks`, keyed by task id and in task-id order (so the
 * order a backend returns its outputs in does not count): `[taskId,
 * canonical form of the task's snapshot]`. The canonical form
 * ({@link canonicalForm}) tells apart what a deep equality lets pass: a
 * key holding `undefined` and a missing one, the class of a nested object,
 * `-0` and `0`, the kind of a typed array.
 */
export function contentOf(tasks: readonly Task[]): [string, string][] {
	return snapshotTasks(tasks).map(({ taskId, ...rest }) => [taskId, canonicalForm(rest)]);
}

/** The task ids of `tasks`, in task-id order. */
export function sortedTaskIds(tasks: readonly Task[]): string[] {
	return tasks.map((task) => task.taskId).sort(compareTaskIds);
}
