import { isPerfColumn, PERF_KEY, type PerfColumn, perfColumnOf } from "./perf-column.ts";

/*
 * The column layout of a batch: tasks of one class with the same fields
 * travel as one array per field instead of one object per task, and their
 * perf histories as a table of distinct records, one entry per run of tasks
 * that share a history.
 * Structured cloning (IPC, worker threads, v8 serialization) then handles a
 * handful of arrays instead of several objects per task, which is most of
 * the cost of moving many small tasks.
 *
 * This module lays tasks out and checks a received layout; the perf column
 * is `perf-column.ts`'s, and `tasks-from-columns.ts` rebuilds the tasks.
 */

/**
 * How a column is stored: one value per task, one primitive shared by every
 * task, or an empty plain object per task (`metadata` is usually `{}`).
 */
export const ColumnKind = { perTask: 0, same: 1, emptyObject: 2 } as const;

/** Tasks of one class (the batch's only class), field by field. */
export interface TaskColumns {
	count: number;
	/** Field names, in the tasks' own key order (without `stagePerf`). */
	keys: string[];
	/** The {@link ColumnKind} of each field. */
	kinds: number[];
	/** Per field: the array of values (`perTask`), the shared value (`same`), or `null`. */
	values: unknown[];
	/** Perf histories, when the tasks carry a `stagePerf` array. */
	perf?: PerfColumn;
}

/**
 * Lays out `tasks` as columns when they share one constructor and one list
 * of own keys; returns `undefined` otherwise (the caller keeps rows).
 * Values are taken as they are, except objects other than empty plain ones,
 * which `needsConversion` must accept.
 *
 * The work is one pass over the tasks (copying their values out) and one
 * tight pass per column. Workers live for seconds: every branch in a
 * per-task loop is code V8 has to optimise again in each of them, so the
 * loops stay small and see one kind of array each.
 */
export function columnsOf(
	tasks: readonly object[],
	needsConversion: (value: unknown, key: string, task: object) => boolean,
): TaskColumns | undefined {
	const first = tasks[0];
	if (first === undefined) return undefined;
	const allKeys = Object.keys(first);
	const columns = transpose(tasks, first.constructor, allKeys);
	if (columns === undefined) return undefined;
	const laidOut: TaskColumns = { count: tasks.length, keys: [], kinds: [], values: [] };
	for (let k = 0; k < allKeys.length; k++) {
		const key = allKeys[k] as string;
		const column = columns[k] as unknown[];
		if (key === PERF_KEY) {
			const perf = perfColumnOf(column);
			if (perf === undefined) return undefined;
			laidOut.perf = perf;
			continue;
		}
		const kind = kindOf(column, key, tasks, needsConversion);
		if (kind === undefined) return undefined;
		laidOut.keys.push(key);
		laidOut.kinds.push(kind);
		laidOut.values.push(storedColumn(column, kind));
	}
	return laidOut;
}

/**
 * The tasks' own values, column by column; `undefined` when a task's class
 * or keys differ. `for...in` reads a task's keys and values without making
 * an array per task (`Object.keys` and `Object.values` each make one), which
 * is most of the pass while a worker's code is not optimised yet. It also
 * yields inherited enumerable keys: a class whose prototype has any is left
 * to rows, as its first task's `for...in` keys then differ from its own keys.
 */
function transpose(
	tasks: readonly object[],
	ctor: unknown,
	keys: readonly string[],
): unknown[][] | undefined {
	const count = tasks.length;
	const width = keys.length;
	const columns: unknown[][] = [];
	for (let k = 0; k < width; k++) {
		// Packed and of the most general element kind from the start: no transition mid-loop,
		// and structured cloning writes a packed array densely (a holey one, key by key).
		const column: unknown[] = [null];
		column.pop();
		columns.push(column);
	}
	for (let i = 0; i < count; i++) {
		const task = tasks[i] as Record<string, unknown>;
		if (task.constructor !== ctor) return undefined;
		let k = 0;
		for (const key in task) {
			if (k === width || key !== keys[k]) return undefined;
			(columns[k] as unknown[]).push(task[key]);
			k++;
		}
		if (k !== width) return undefined;
	}
	return columns;
}

/**
 * How `column` is stored (see {@link ColumnKind}); `undefined` when a value
 * needs conversion. Each loop stops as soon as its answer is known, and the
 * remaining values are only checked for conversion.
 */
function kindOf(
	column: unknown[],
	key: string,
	tasks: readonly object[],
	needsConversion: (value: unknown, key: string, task: object) => boolean,
): number | undefined {
	const first = column[0];
	let i = 0;
	if (typeof first !== "object" || first === null) {
		// 0 and -0 are equal to ===, but not the same value.
		while (
			i < column.length &&
			column[i] === first &&
			(first !== 0 || Object.is(column[i], first))
		) {
			i++;
		}
		if (i === column.length) return ColumnKind.same;
	} else {
		while (i < column.length && isEmptyPlainObject(column[i])) i++;
		if (i === column.length) return ColumnKind.emptyObject;
	}
	for (; i < column.length; i++) {
		const value = column[i];
		if (typeof value === "object" && value !== null && !isEmptyPlainObject(value)) {
			if (needsConversion(value, key, tasks[i] as object)) return undefined;
		}
	}
	return ColumnKind.perTask;
}

/** Whether `value` has the shape of {@link TaskColumns} (for message validation). */
export function isTaskColumns(value: unknown): value is TaskColumns {
	if (typeof value !== "object" || value === null) return false;
	const c = value as Partial<TaskColumns>;
	return (
		Number.isInteger(c.count) &&
		Array.isArray(c.keys) &&
		Array.isArray(c.values) &&
		Array.isArray(c.kinds) &&
		c.keys.length === c.values.length &&
		c.kinds.length === c.values.length &&
		c.values.every((column, k) => {
			const kind = c.kinds?.[k];
			if (kind === ColumnKind.perTask) return Array.isArray(column) && column.length === c.count;
			if (kind === ColumnKind.same) return typeof column !== "object" || column === null;
			return kind === ColumnKind.emptyObject && column === null;
		}) &&
		(c.perf === undefined || isPerfColumn(c.perf, c.count as number))
	);
}

function storedColumn(column: unknown[], kind: number): unknown {
	if (kind === ColumnKind.perTask) return column;
	return kind === ColumnKind.same ? column[0] : null;
}

function isEmptyPlainObject(value: unknown): boolean {
	if (typeof value !== "object" || value === null) return false;
	const proto = Object.getPrototypeOf(value);
	if (proto !== Object.prototype) return false;
	// Symbol keys are not checked: structured cloning drops them too. Any key counts, even one
	// inherited from Object.prototype (if some code added one): the object then travels converted.
	for (const _key in value) return false;
	return true;
}
