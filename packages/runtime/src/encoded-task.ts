import type { Task } from "@curator/core";
import { encodeTasks } from "./codec.ts";
import type { TaskRef } from "./protocol.ts";

/**
 * A task kept in the form a worker sent it: its bytes, or the path of the
 * file holding them (see `SpillDir`), with the id, item count and size a
 * pool needs for routing, queue bounds and failure reports. A batch of them
 * goes to the next worker as it is (see `ProcessOptions.keepEncodedAbove`).
 */
export class EncodedTask {
	readonly payload: Uint8Array | string;
	readonly taskId: string;
	readonly numItems: number;
	/** Encoded size in bytes. */
	readonly byteLength: number;

	constructor(payload: Uint8Array | string, ref: TaskRef) {
		this.payload = payload;
		this.taskId = ref.taskId;
		this.numItems = ref.numItems;
		this.byteLength = typeof payload === "string" ? (ref.bytes ?? 0) : payload.byteLength;
	}

	/** The spilled file holding it, if any. */
	get file(): string | undefined {
		return typeof this.payload === "string" ? this.payload : undefined;
	}
}

/**
 * The `keepEncodedAbove` both multi-process backends use: a task encoding to
 * 64 KiB or more (a document batch) stays in a worker's bytes between calls;
 * smaller ones move more cheaply decoded, in column layout.
 */
export const KEEP_ENCODED_MIN_BYTES = 64 * 1024;

/** A task as a backend holds it between calls: decoded, or still encoded by a worker. */
export type PoolTask = Task | EncodedTask;

/** What a pool runs: tasks, or tasks still encoded by a worker (never both in one batch). */
export type PoolBatch = Task[] | EncodedTask[];

/** Whether a batch holds encoded tasks (a batch is all one or the other). */
export function isEncoded(batch: PoolBatch): batch is EncodedTask[] {
	return batch[0] instanceof EncodedTask;
}

/**
 * A batch of `tasks`: the given array itself when they are all decoded or
 * all encoded (callers pass a fresh slice: no second copy); when they mix
 * both, a new array in which the decoded ones (the small ones, in practice)
 * are encoded too, so nothing large is decoded and the batch is ready at once.
 */
export function asPoolBatch(tasks: PoolTask[]): PoolBatch {
	let encoded = 0;
	for (const task of tasks) if (task instanceof EncodedTask) encoded += 1;
	if (encoded === 0 || encoded === tasks.length) return tasks as PoolBatch;
	return tasks.map((task) =>
		task instanceof EncodedTask
			? task
			: new EncodedTask(encodeTasks([task]), { taskId: task.taskId, numItems: task.numItems }),
	);
}
