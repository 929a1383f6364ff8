import { readdirSync, rmSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import {
	type BaseExecutor,
	type CuratorError,
	ErrorCodes,
	Pipeline,
	type RunEvent,
	type TaskFailure,
} from "@curator/core";
import { describe, type ExpectStatic } from "vitest";
import { MultiplyStage, numbersTasks, RepeatStage } from "../fixtures/index.ts";
import { type ConformanceKit, conformanceKit, type SkipWhen } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";
import { canListProcesses } from "../processes.ts";
import { expectNoWorkerLeft, type WorkerPids } from "../traits/no-worker-left.ts";

/** The setting that chooses where a spilling backend puts its run's spill folder. */
export const spillDirSetting = "CURATOR_SPILL_DIR";

/**
 * The settings of a spill case, which `factory` maps onto the backend's
 * config (a backend without such a key leaves it out).
 */
export interface SpillSettings {
	/** Record failed batches and go on: a spill failure must fail the run even so. */
	ignoreFailures?: boolean;
	/**
	 * Whether adjacent stages may share one worker call. The case sets `false`,
	 * so that outputs cross from one stage's workers to the next's.
	 */
	fuseStages?: boolean;
}

/** Makes a fresh executor with `settings` applied over the backend's defaults. */
export type SpillExecutorFactory = (settings: SpillSettings) => BaseExecutor;

/** Numbers per output of the first stage: 100 KiB or more encoded, past any "small" output. */
const repeatTimes = 40_000;

/**
 * Cases "spill": where a backend passes large outputs between worker
 * processes through files in a spill folder (`supports.spill`), a folder that
 * fails writes is the run's problem, not a stage's: the run fails with
 * `CURATOR_SPILL_FAILED` and a message naming the folder and
 * `CURATOR_SPILL_DIR`, even with `ignoreFailures`, records no stage failure,
 * and leaves no worker process. The case points `CURATOR_SPILL_DIR` at a temp
 * folder and empties it when the first stage starts, so every write in the
 * run's spill folder fails (`ENOENT`, as `ENOSPC` would; this works for root,
 * which no permission stops). So the backend must make its run's spill folder
 * there before its first `stage:start`. Skipped, visibly, without
 * `supports.spill`.
 *
 * @example
 * registerSpillCases((settings) => new MyExecutor({ ...settings }));
 */
export function registerSpillCases(
	factory: SpillExecutorFactory,
	options?: ConformanceOptions,
): void {
	const settings: SpillSettings = { ignoreFailures: true, fuseStages: false };
	const kit = conformanceKit(() => factory(settings), options);
	describe("spill", () => {
		kit.test(
			"a spill folder that fails writes fails the run with CURATOR_SPILL_FAILED naming the folder, not the stage, even with ignoreFailures",
			(expect) =>
				kit.withTempDir(async (spillBase) => {
					expect.assertions(8);
					const outcome = await expectNoWorkerLeft(kit, expect, (executor, workers) =>
						withSpillDir(spillBase, () => runBreakingSpill(executor, spillBase, workers)),
					);
					expectSpillFailure(expect, outcome.error, spillBase);
					expect(outcome.failures, "stage failures recorded for the spill").toEqual([]);
					expect(await readdir(spillBase), `left in ${spillDirSetting}`).toEqual([]);
				}),
			spillSkip(kit),
		);
	});
}

/** What the run did: how it failed and what it recorded as failed. */
interface SpillOutcome {
	error: unknown;
	failures: TaskFailure[];
}

/**
 * Runs a pipeline whose first stage's outputs are large enough to spill on
 * their way to the second stage's workers, and removes everything in
 * `spillBase` (the run's folder) when the first stage starts.
 */
async function runBreakingSpill(
	executor: BaseExecutor,
	spillBase: string,
	workers: WorkerPids,
): Promise<SpillOutcome> {
	const failures: TaskFailure[] = [];
	let emptied = false;
	const onEvent = (event: RunEvent): void => {
		if (event.type === "stage:start" && !emptied) {
			emptied = true;
			for (const name of readdirSync(spillBase)) rmSync(join(spillBase, name), { recursive: true });
		}
		if (event.type === "task:failed") failures.push(event.failure);
		workers.onEvent(event);
	};
	const pipeline = new Pipeline({
		name: "spill",
		stages: [new RepeatStage({ times: repeatTimes }), new MultiplyStage({ factor: 2 })],
	});
	const error = await pipeline.run(executor, numbersTasks([1], [3]), { onEvent }).then(
		() => undefined,
		(caught: unknown) => caught,
	);
	return { error, failures };
}

/** Four assertions: the run failed with a spill error naming the folder and setting, no stage. */
function expectSpillFailure(expect: ExpectStatic, error: unknown, spillBase: string): void {
	expect(error, "the run's outcome").toBeInstanceOf(Error);
	const failure = (error ?? {}) as Partial<CuratorError> & { stage?: unknown };
	expect(failure.code, failure.message).toBe(ErrorCodes.spillFailed);
	expect(failure.message).toMatch(new RegExp(`${escaped(spillBase)}.*${spillDirSetting}`));
	expect(failure.stage, "a stage named by the spill error").toBeUndefined();
}

/** Runs `work` with {@link spillDirSetting} set to `dir`, then restores it. */
async function withSpillDir<T>(dir: string, work: () => Promise<T>): Promise<T> {
	const previous = process.env[spillDirSetting];
	process.env[spillDirSetting] = dir;
	try {
		return await work();
	} finally {
		if (previous === undefined) delete process.env[spillDirSetting];
		else process.env[spillDirSetting] = previous;
	}
}

function spillSkip(kit: ConformanceKit): SkipWhen {
	if (kit.supports.spill !== true) return { when: true, because: "supports.spill is false" };
	return { when: !canListProcesses, because: "needs Linux ps --ppid" };
}

function escaped(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
