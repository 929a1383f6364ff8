import type { Task } from "./task.ts";

/**
 * A `batchSize` at or above this makes a stage a barrier: it must see every
 * task of the run in one call (no queue could hold that many tasks, so no
 * backend can mean it as a real batch size).
 */
export const BARRIER_BATCH_SIZE = 2 ** 31;

/**
 * Whether `stage` is a barrier (`batchSize` at least {@link BARRIER_BATCH_SIZE}).
 * Every backend gives a barrier all its input tasks in one call, and the
 * stage adapter hands them over in task-id order ({@link compareTaskIds}),
 * so what the stage decides never depends on arrival order.
 */
export function isBarrier(stage: { readonly batchSize: number }): boolean {
	return stage.batchSize >= BARRIER_BATCH_SIZE;
}

const digits = /^\d+$/;

/**
 * The order of task ids: segment by segment (`_`-separated); two numeric
 * segments by value (`0_2` before `0_10`), a numeric one before any other,
 * others by UTF-16 code units; a prefix first. Ties of equal value (`01`
 * and `1`) go by their text, so this is a total order: sorting never
 * depends on the order tasks arrived in.
 */
export function compareTaskIds(a: string, b: string): number {
	if (a === b) return 0;
	const left = a.split("_");
	const right = b.split("_");
	const shared = Math.min(left.length, right.length);
	for (let i = 0; i < shared; i++) {
		const order = compareSegments(left[i] as string, right[i] as string);
		if (order !== 0) return order;
	}
	return left.length - right.length;
}

/** A copy of `tasks` in task-id order (see {@link compareTaskIds}). */
export function sortByTaskId<T extends Pick<Task, "taskId">>(tasks: readonly T[]): T[] {
	return [...tasks].sort((x, y) => compareTaskIds(x.taskId, y.taskId));
}

function compareSegments(x: string, y: string): number {
	if (x === y) return 0;
	const numeric = [digits.test(x), digits.test(y)];
	if (numeric[0] && numeric[1]) {
		// By value without Number: segments may be longer than a double holds exactly.
		const [p, q] = [x.replace(/^0+(?=\d)/, ""), y.replace(/^0+(?=\d)/, "")];
		if (p.length !== q.length) return p.length - q.length;
		if (p !== q) return p < q ? -1 : 1;
	} else if (numeric[0] !== numeric[1]) {
		return numeric[0] ? -1 : 1;
	}
	return x < y ? -1 : 1;
}
