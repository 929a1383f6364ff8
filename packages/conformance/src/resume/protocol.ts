import type { ScenarioName } from "./scenarios.ts";

/**
 * Where another process finds a backend's executor: an ES module and the
 * name of a function it exports that returns a fresh executor, called with
 * `args`. The module is imported by a plain `node` (Node 24 runs a `.ts`
 * file by type stripping), so it must not need the test runner.
 *
 * @example
 * // test/resume-executor.ts of a plugin:
 * export function createExecutor(args: { isolation: "process" | "thread" }) {
 *   return new MyExecutor({ isolation: args.isolation });
 * }
 * // its conformance test:
 * registerResumeCases({
 *   module: new URL("./resume-executor.ts", import.meta.url).href,
 *   export: "createExecutor",
 *   args: { isolation: "process" },
 * });
 */
export interface ExecutorModule {
	/** A file URL or a module specifier resolvable from the kit. */
	module: string;
	/** The exported function: `(args) => BaseExecutor` (it may be async). */
	export: string;
	/** What the function is called with; must survive `JSON.stringify`. */
	args?: unknown;
}

/** When the run freezes (and the kit kills it): a point reached in every run, on every backend. */
export type HoldPoint =
	/** After the `batches`-th `batch:done` event of stage `stage`, before the run records it. */
	| { stage: string; batches: number }
	/** Once at least `partitions` partitions are settled durably in the checkpoint. */
	| { settled: number }
	/** After the commit (the output published), before the checkpoint records the run finished. */
	| { committed: true };

/** What the kit's runner process does: one run of a scenario. */
export interface RunnerSpec {
	executor: ExecutorModule;
	scenario: ScenarioName;
	/** The case folder (see `caseFolders`). */
	dir: string;
	/** Run with the checkpoint of the case folder. */
	checkpoint: boolean;
	hold?: HoldPoint;
	/** How long a held run waits to be killed before it gives up and exits (code 3). */
	holdMs: number;
}

/** One line the runner writes on stdout, as JSON. */
export type RunnerLine =
	| { type: "batch"; stage: string }
	| { type: "worker"; pid: number }
	| { type: "hold" }
	| { type: "done"; runId: string; stages: StageCounts[] }
	| { type: "failed"; code: string | undefined; message: string };

/** A stage's line of the run summary, as the runner reports it. */
export interface StageCounts {
	stage: string;
	tasksIn: number;
	filteredTasks: number;
}
