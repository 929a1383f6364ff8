import { sameRecords } from "@curator/core";
import type { Shell } from "./portable.ts";

/**
 * The column layout of a batch: tasks of one class with the same fields
 * travel as one array per field instead of one object per task, and their
 * perf histories as a table of distinct records, one entry per run of tasks
 * that share a history.
 * Structured cloning (IPC, worker threads, v8 serialization) then handles a
 * handful of arrays instead of several objects per task, which is most of
 * the cost of moving many small tasks.
 */

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

const PERF_KEY = "stagePerf";

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

/** Rebuilds the tasks of `columns` as instances of `shell` (see `shellOf`), without their class's constructor. */
export function tasksFromColumns(columns: TaskColumns, shell: Shell): object[] {
	const { perf } = columns;
	// Usually every task of a batch has the same history: it is then written by the builder.
	const shared = perf !== undefined && perf.runStarts.length === 1 ? historyOf(perf, 0) : undefined;
	const build = builderOf(columns, shared !== undefined) ?? buildGeneric;
	const tasks = build(shell, columns.count, columns.keys, columns.kinds, columns.values, shared);
	if (perf !== undefined && shared === undefined) assignHistories(tasks, perf);
	return tasks;
}

/**
 * Makes `count` instances of `shell` and writes their fields from the
 * columns, and `history` as every task's perf history when given. The array
 * is packed (filled by push), like every other array of tasks a worker hands
 * on: code that sees one kind of array is not optimised twice.
 */
type Builder = (
	shell: Shell,
	count: number,
	keys: readonly string[],
	kinds: readonly number[],
	values: unknown[],
	history: readonly unknown[] | undefined,
) => Record<string, unknown>[];

const builders = new Map<string, Builder>();
/** Layouts past this many are rebuilt by the generic loop (a bound on memory, never reached in practice). */
const MAX_BUILDERS = 256;
let codeGeneration = true;

/**
 * A {@link Builder} for one layout (field names and kinds), made once per
 * layout: each field is written under a constant name, which V8 turns into a
 * direct store, where the generic loop's `task[key]` goes through a lookup per
 * field and task. `undefined` where code generation is not allowed
 * (`--disallow-code-generation-from-strings`).
 */
function builderOf(columns: TaskColumns, withHistory: boolean): Builder | undefined {
	if (!codeGeneration) return undefined;
	const layout = JSON.stringify([columns.keys, columns.kinds, withHistory]);
	let build = builders.get(layout);
	if (build !== undefined || builders.size >= MAX_BUILDERS) return build;
	const stores = columns.keys.map((key, k) => {
		// JSON.stringify makes every name a plain string literal.
		const target = `task[${JSON.stringify(key)}]`;
		const kind = columns.kinds[k];
		if (kind === ColumnKind.perTask) return `${target} = v${k}[i];`;
		return kind === ColumnKind.same ? `${target} = v${k};` : `${target} = {};`;
	});
	if (withHistory) stores.push(`task[${JSON.stringify(PERF_KEY)}] = history;`);
	const body = `"use strict";
const [${columns.keys.map((_, k) => `v${k}`).join(", ")}] = values;
const tasks = [];
for (let i = 0; i < count; i++) {
	const task = new shell();
	${stores.join("\n\t")}
	tasks.push(task);
}
return tasks;`;
	try {
		build = new Function("shell", "count", "keys", "kinds", "values", "history", body) as Builder;
	} catch (error) {
		// Only a host that forbids code generation lands here; a builder that does not compile is a bug.
		if (!(error instanceof EvalError)) throw error;
		codeGeneration = false;
		return undefined;
	}
	builders.set(layout, build);
	return build;
}

/** The {@link Builder} for any layout: one keyed store per field and task. */
const buildGeneric: Builder = (shell, count, keys, kinds, values, history) => {
	const tasks: Record<string, unknown>[] = [];
	for (let i = 0; i < count; i++) {
		const task = new shell();
		for (let k = 0; k < keys.length; k++) {
			const kind = kinds[k];
			const column = values[k];
			task[keys[k] as string] =
				kind === ColumnKind.perTask
					? (column as unknown[])[i]
					: kind === ColumnKind.same
						? column
						: {};
		}
		if (history !== undefined) task[PERF_KEY] = history;
		tasks.push(task);
	}
	return tasks;
};

/** Gives each task its perf history: one shared frozen array per run of `perf`. */
function assignHistories(tasks: Record<string, unknown>[], perf: PerfColumn): void {
	const { runStarts } = perf;
	for (let run = 0; run < runStarts.length; run++) {
		const history = historyOf(perf, run);
		const end = run + 1 < runStarts.length ? (runStarts[run + 1] as number) : tasks.length;
		for (let i = runStarts[run] as number; i < end; i++)
			(tasks[i] as Record<string, unknown>)[PERF_KEY] = history;
	}
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

function isPerfColumn(perf: PerfColumn, count: number): boolean {
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

/** The perf histories of a column of them; `undefined` when one is not an array. */
function perfColumnOf(histories: readonly unknown[]): PerfColumn | undefined {
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
function historyOf(perf: PerfColumn, r: number): readonly unknown[] {
	const start = perf.runOffsets[r] as number;
	const end = perf.runOffsets[r + 1] as number;
	const history: unknown[] = [];
	for (let j = start; j < end; j++) history.push(perf.table[perf.indices[j] as number]);
	return Object.freeze(history);
}
