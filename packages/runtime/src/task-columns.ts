/**
 * The column layout of a batch: tasks of one class with the same fields
 * travel as one array per field instead of one object per task, and their
 * perf histories as a table of distinct records plus typed-array indices.
 * Structured cloning (IPC, worker threads, v8 serialization) then handles a
 * handful of arrays instead of several objects per task, which is most of
 * the cost of moving many small tasks.
 */

/** Perf histories: `table` holds each distinct record once; task i's history is `table[indices[offsets[i]..offsets[i+1]]]`. */
export interface PerfColumn {
	table: unknown[];
	offsets: Uint32Array;
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
 * Values are taken as they are: the caller checks they need no conversion.
 */
export function columnsOf(
	tasks: readonly object[],
	needsConversion: (value: unknown, key: string, task: object) => boolean,
): TaskColumns | undefined {
	const first = tasks[0];
	if (first === undefined) return undefined;
	const ctor = first.constructor;
	const allKeys = Object.keys(first);
	const keys = allKeys.filter((key) => key !== PERF_KEY);
	const hasPerf = keys.length !== allKeys.length;
	const values: unknown[][] = keys.map(() => new Array(tasks.length));
	for (let i = 0; i < tasks.length; i++) {
		const task = tasks[i] as Record<string, unknown>;
		if (task.constructor !== ctor || !sameKeys(task, allKeys)) return undefined;
		for (let k = 0; k < keys.length; k++) {
			const key = keys[k] as string;
			const value = task[key];
			if (
				typeof value === "object" &&
				value !== null &&
				!isEmptyPlainObject(value) &&
				needsConversion(value, key, task)
			) {
				return undefined;
			}
			(values[k] as unknown[])[i] = value;
		}
	}
	const kinds = values.map(kindOf);
	const stored = values.map((column, k) => storedColumn(column, kinds[k] as number));
	const columns: TaskColumns = { count: tasks.length, keys, kinds, values: stored };
	if (hasPerf) {
		const perf = perfColumnOf(tasks as readonly Record<string, unknown>[]);
		if (perf === undefined) return undefined;
		columns.perf = perf;
	}
	return columns;
}

/** Rebuilds the tasks of `columns` on `prototype`, without constructors. */
export function tasksFromColumns(columns: TaskColumns, prototype: object): object[] {
	const { count, keys, kinds, values, perf } = columns;
	const tasks = new Array<object>(count);
	for (let i = 0; i < count; i++) {
		const task = Object.create(prototype) as Record<string, unknown>;
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
		if (perf !== undefined) task[PERF_KEY] = historyAt(perf, i);
		tasks[i] = task;
	}
	return tasks;
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
	return (
		Array.isArray(perf.table) &&
		perf.offsets instanceof Uint32Array &&
		perf.indices instanceof Uint32Array &&
		perf.offsets.length === count + 1 &&
		perf.offsets[count] === perf.indices.length &&
		perf.indices.every((index) => index < perf.table.length)
	);
}

function kindOf(column: unknown[]): number {
	const first = column[0];
	if (typeof first === "object" && first !== null) {
		return column.every(isEmptyPlainObject) ? ColumnKind.emptyObject : ColumnKind.perTask;
	}
	return column.every((value) => value === first) ? ColumnKind.same : ColumnKind.perTask;
}

function storedColumn(column: unknown[], kind: number): unknown {
	if (kind === ColumnKind.perTask) return column;
	return kind === ColumnKind.same ? column[0] : null;
}

function isEmptyPlainObject(value: unknown): boolean {
	if (typeof value !== "object" || value === null) return false;
	const proto = Object.getPrototypeOf(value);
	if (proto !== Object.prototype) return false;
	// Symbol keys are not checked: structured cloning drops them too.
	for (const key in value) if (Object.hasOwn(value, key)) return false;
	return true;
}

function sameKeys(task: Record<string, unknown>, keys: readonly string[]): boolean {
	let n = 0;
	for (const key in task) {
		if (!Object.hasOwn(task, key)) continue;
		if (keys[n] !== key) return false;
		n += 1;
	}
	return n === keys.length;
}

function perfColumnOf(tasks: readonly Record<string, unknown>[]): PerfColumn | undefined {
	const table: unknown[] = [];
	const indexOf = new Map<unknown, number>();
	const offsets = new Uint32Array(tasks.length + 1);
	const indices: number[] = [];
	for (let i = 0; i < tasks.length; i++) {
		const history = (tasks[i] as Record<string, unknown>)[PERF_KEY];
		if (!Array.isArray(history)) return undefined;
		for (const record of history) {
			let index = indexOf.get(record);
			if (index === undefined) {
				index = table.push(record) - 1;
				indexOf.set(record, index);
			}
			indices.push(index);
		}
		offsets[i + 1] = indices.length;
	}
	return { table, offsets, indices: Uint32Array.from(indices) };
}

function historyAt(perf: PerfColumn, i: number): unknown[] {
	const start = perf.offsets[i] as number;
	const end = perf.offsets[i + 1] as number;
	const history = new Array(end - start);
	for (let j = start; j < end; j++) history[j - start] = perf.table[perf.indices[j] as number];
	return history;
}
