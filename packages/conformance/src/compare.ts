import type { Task } from "@curator/core";

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

/** Snapshots of `tasks`, sorted by task id (backends may return outputs in any order). */
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
		.sort((a, b) => compareIds(a.taskId, b.taskId));
}

/** The task ids of `tasks`, sorted. */
export function sortedTaskIds(tasks: readonly Task[]): string[] {
	return tasks.map((task) => task.taskId).sort(compareIds);
}

function compareIds(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
