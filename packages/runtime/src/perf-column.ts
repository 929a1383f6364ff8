import { sameRecords } from "@curator/core";

/*
 * The perf-history column of the column layout (see `task-columns.ts`):
 * laid out from the tasks, checked when received, given back to the tasks.
 */

/** The field of a task holding its perf history. */
export const PERF_KEY = "stagePerf";

/**
 * Perf histories, by runs of consecutive tasks whose histories are equal
 * (the tasks of a batch share theirs): `table` holds each distinct record
 * once; run r starts at task `runStarts[r]` and lasts until the next run
 * starts, and its history is `table[indices[runOffsets[r]..runOffsets[r+1]]]`.
 */
export interface PerfColumn {
	table: unknown[];
	runStarts: Uint32Array;
	runOffsets: Uint32Array;
	indices: Uint32Array;
}

/** The perf histories of a column of them; `undefined` when one is not an array. */
export function perfColumnOf(histories: readonly unknown[]): PerfColumn | undefined {
	const starts: number[] = [];
	const runs: (readonly unknown[])[] = [];
	return findRuns(histories, starts, runs) ? perfTableOf(starts, runs) : undefined;
}

/**
 * Appends where each run of equal histories starts, and its history; false
 * when a history is not an array. The only per-task loop of the perf column,
 * kept apart so that the code a fresh worker compiles for it stays small.
 */
function findRuns(
	histories: readonly unknown[],
	starts: number[],
	runs: (readonly unknown[])[],
): boolean {
	let previous: readonly unknown[] | undefined;
	for (let i = 0; i < histories.length; i++) {
		const history = histories[i];
		// Most tasks share their predecessor's history array: one comparison each.
		if (previous !== undefined && history === previous) continue;
		if (!Array.isArray(history)) return false;
		if (previous === undefined || !sameRecords(history, previous)) {
			starts.push(i);
			runs.push(history);
		}
		previous = history;
	}
	return true;
}

/** The perf column of runs that start at `starts` with the histories `runs`. */
function perfTableOf(starts: readonly number[], runs: readonly (readonly unknown[])[]): PerfColumn {
	const table: unknown[] = [];
	const indexOf = new Map<unknown, number>();
	const runOffsets = new Uint32Array(runs.length + 1);
	const indices: number[] = [];
	for (let r = 0; r < runs.length; r++) {
		const history = runs[r] as readonly unknown[];
		for (let j = 0; j < history.length; j++) {
			indices.push(tableIndex(table, indexOf, history[j]));
		}
		runOffsets[r + 1] = indices.length;
	}
	return {
		table,
		runStarts: Uint32Array.from(starts),
		runOffsets,
		indices: Uint32Array.from(indices),
	};
}

/** Where `record` is in `table`, added if new. */
function tableIndex(table: unknown[], indexOf: Map<unknown, number>, record: unknown): number {
	let index = indexOf.get(record);
	if (index === undefined) {
		index = table.push(record) - 1;
		indexOf.set(record, index);
	}
	return index;
}

/** The history of run `r`, frozen: its tasks share it. */
export function historyOf(perf: PerfColumn, r: number): readonly unknown[] {
	const start = perf.runOffsets[r] as number;
	const end = perf.runOffsets[r + 1] as number;
	const history: unknown[] = [];
	for (let j = start; j < end; j++) history.push(perf.table[perf.indices[j] as number]);
	return Object.freeze(history);
}

/** Gives each task its perf history: one shared frozen array per run of `perf`. */
export function assignHistories(tasks: Record<string, unknown>[], perf: PerfColumn): void {
	const { runStarts } = perf;
	for (let run = 0; run < runStarts.length; run++) {
		const history = historyOf(perf, run);
		const end = run + 1 < runStarts.length ? (runStarts[run + 1] as number) : tasks.length;
		for (let i = runStarts[run] as number; i < end; i++)
			(tasks[i] as Record<string, unknown>)[PERF_KEY] = history;
	}
}

/** Whether `perf` is a well-formed perf column for `count` tasks (for message validation). */
export function isPerfColumn(perf: PerfColumn, count: number): boolean {
	const { table, runStarts, runOffsets, indices } = perf;
	if (
		!Array.isArray(table) ||
		!(runStarts instanceof Uint32Array) ||
		!(runOffsets instanceof Uint32Array) ||
		!(indices instanceof Uint32Array) ||
		runOffsets.length !== runStarts.length + 1 ||
		runOffsets[0] !== 0 ||
		runOffsets[runStarts.length] !== indices.length ||
		count > 0 !== (runStarts[0] === 0)
	) {
		return false;
	}
	for (let r = 1; r < runStarts.length; r++) {
		if ((runStarts[r] as number) <= (runStarts[r - 1] as number)) return false;
		if ((runOffsets[r] as number) < (runOffsets[r - 1] as number)) return false;
	}
	if (runStarts.length > 0 && (runStarts[runStarts.length - 1] as number) >= count) return false;
	return indices.every((index) => index < table.length);
}
