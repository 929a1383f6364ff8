import { assignHistories, historyOf, PERF_KEY } from "./perf-column.ts";
import type { Shell } from "./portable.ts";
import { ColumnKind, type TaskColumns } from "./task-columns.ts";

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
