import {
	type BaseExecutor,
	type BatchRecord,
	ErrorCodes,
	ledgerProblems,
	Pipeline,
	type ProcessingStage,
	type RunEvent,
	type RunObserver,
	type RunOptions,
	type RunResult,
	type StageError,
} from "@curator/core";
import { describe } from "vitest";
import { batchRecordProblems, type StageIdLedger, stageIdLedgers } from "../batch-records.ts";
import { idsAndData } from "../expectations.ts";
import {
	CrashStage,
	FailingStage,
	FilterStage,
	FlakyStage,
	failureMessage,
	flakyAttempts,
	numbersTasks,
	SplitStage,
} from "../fixtures/index.ts";
import {
	type ConformanceKit,
	conformanceKit,
	disposeExecutor,
	retriedCrashSkip,
	type SkipWhen,
} from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/**
 * The fault settings of a backend: the options of the shared fault policy
 * (see `@curator/runtime`'s README), which every backend's config accepts
 * under these names (`factory` maps them where a backend has no such key).
 */
export interface FaultSettings {
	/** Attempts per batch when its worker died, its stage threw or it ran past its time limit (1 = no retry). */
	numRunAttempts?: number;
	/** Record failed tasks in the run's failure report and go on, instead of failing the run. */
	ignoreFailures?: boolean;
	/** Time limit of one attempt of one batch, in seconds. */
	processTimeoutS?: number;
	/** Time limit of a worker's teardown, in seconds. */
	teardownTimeoutS?: number;
}

/** Makes a fresh executor with `settings` applied over the backend's defaults. */
export type FaultExecutorFactory = (settings: FaultSettings) => BaseExecutor;

/** The worker exit code of the kit's {@link CrashStage}. */
const crashExitCode = 70;

/**
 * Cases "worker faults": a worker that dies on every attempt of one batch.
 * Without `ignoreFailures` the run fails with an error naming the stage, the
 * batch's task ids, the attempts made and the worker's exit; with it, the
 * failure report lists exactly that batch's tasks and every other task comes
 * out. Skipped, visibly, without `supports.processIsolation` and
 * `supports.retries`. Cases "ignoreFailures": the same two outcomes for a
 * stage that throws; skipped, visibly, without `supports.ignoreFailures`.
 * `factory` maps the settings onto the backend's config (a backend without
 * retries ignores `numRunAttempts`).
 *
 * @example
 * registerFaultCases((faults) => new MyExecutor({ ...faults }));
 */
export function registerFaultCases(
	factory: FaultExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(() => factory({}), options);
	registerIgnoreFailuresCases(kit, factory);
	const skip = retriedCrashSkip(kit.supports);
	const run = (settings: FaultSettings) =>
		runOnTaskThirteen(factory(settings), new CrashStage({ exitOn: 13 }));
	registerThrownRetryCases(factory, kit);
	describe("worker faults", () => {
		kit.test(
			"a worker dying on every attempt fails the run naming the stage, the tasks, the attempts and the exit",
			async (expect) => {
				expect.assertions(7);
				try {
					await run({ numRunAttempts: 3 });
				} catch (caught) {
					const error = caught as StageError;
					expect(error.code).toBe(ErrorCodes.stageFailed);
					expect(error.stage).toBe("CrashStage");
					expect(error.taskIds).toEqual(["0_1"]);
					expect(error.attempts).toBe(3);
					expect(error.workerId, "the worker that ran the last attempt").toMatch(/\S/);
					expect(error.message).toContain(
						`stage "CrashStage" failed on tasks [0_1], worker ${error.workerId}, after 3 attempt(s)`,
					);
					expect(error.message).toContain(`worker exit: exit code ${crashExitCode}`);
				}
			},
			skip,
		);

		kit.test(
			"with ignoreFailures the report lists exactly the failed batch and every other task comes out",
			async (expect) => {
				const result = await run({ numRunAttempts: 2, ignoreFailures: true });
				expect(result.failures).toHaveLength(1);
				expect(result.failures[0]).toMatchObject({
					stage: "CrashStage",
					taskIds: ["0_1"],
					attempts: 2,
					exitCause: `exit code ${crashExitCode}`,
				});
				expect(idsAndData(result.tasks)).toEqual([
					["0_0_0", [1]],
					["0_2_0", [2]],
				]);
				expect(result.summary.stages[0]?.failedTasks).toBe(1);
			},
			skip,
		);
	});
}

/** Runs `stage` (failing on 13) on the tasks `[1]`, `[13]`, `[2]`, then disposes `executor`. */
async function runOnTaskThirteen(
	executor: BaseExecutor,
	stage: ProcessingStage | ProcessingStage[],
	observer?: RunObserver,
): Promise<RunResult> {
	try {
		const stages = Array.isArray(stage) ? stage : [stage];
		const pipeline = new Pipeline({ name: "faults", stages });
		const options = observer === undefined ? {} : { observer };
		return await pipeline.run(executor, numbersTasks([1], [13], [2]), options);
	} finally {
		await disposeExecutor(executor);
	}
}

/** A stage's ledger without failures. */
function ledger(inputIds: string[], outputIds: string[]): StageIdLedger {
	return { inputIds, outputIds, filteredIds: [], failedIds: [] };
}

/** The skip of the "ignoreFailures" cases. */
function ignoreFailuresSkip(kit: ConformanceKit): SkipWhen {
	return { when: !kit.supports.ignoreFailures, because: "supports.ignoreFailures is false" };
}

function registerIgnoreFailuresCases(kit: ConformanceKit, factory: FaultExecutorFactory): void {
	const run = (settings: FaultSettings, observer?: RunObserver) =>
		runOnTaskThirteen(
			factory({ numRunAttempts: 1, ...settings }),
			new FailingStage({ failOn: 13 }),
			observer,
		);
	describe("ignoreFailures", () => {
		kit.test(
			"with ignoreFailures a batch whose stage throws is reported (stage, task ids, error, attempts) and every other task comes out",
			async (expect) => {
				const records: BatchRecord[] = [];
				const result = await run({ ignoreFailures: true }, { onBatch: (r) => records.push(r) });
				expect(result.failures).toHaveLength(1);
				expect(result.failures[0]).toMatchObject({
					stage: "FailingStage",
					taskIds: ["0_1"],
					attempts: 1,
				});
				expect(result.failures[0]?.error).toContain(failureMessage(13));
				expect(idsAndData(result.tasks)).toEqual([
					["0_0_0", [1]],
					["0_2_0", [2]],
				]);
				expect(result.summary.stages[0]?.failedTasks).toBe(1);
				expect(result.summary.ledger.stages, "the run's ledger").toEqual([
					{
						stage: "FailingStage",
						handed: 3,
						passed: 2,
						filtered: 0,
						failed: 1,
						out: 2,
						unsettled: 0,
					},
				]);
				expect(batchRecordProblems(records), "problems in the batch records").toEqual([]);
				expect(stageIdLedgers(records), "the batch records' ledger").toEqual({
					FailingStage: {
						inputIds: ["0_0", "0_1", "0_2"],
						outputIds: ["0_0_0", "0_2_0"],
						filteredIds: [],
						failedIds: ["0_1"],
					},
				});
			},
			ignoreFailuresSkip(kit),
		);

		kit.test(
			"with ignoreFailures the batch records of every stage add up when the last of three stages throws",
			async (expect) => {
				// Stateless stages after the source: a backend may fuse them into one worker call.
				const stages = [
					new SplitStage({ chunk: 1 }),
					new FilterStage({ modulo: 1, remainder: 0 }),
					new FailingStage({ failOn: 13 }),
				];
				const records: BatchRecord[] = [];
				const executor = factory({ numRunAttempts: 1, ignoreFailures: true });
				const result = await runOnTaskThirteen(executor, stages, {
					onBatch: (record) => records.push(record),
				});
				expect(result.failures.map((f) => [f.stage, f.taskIds])).toEqual([
					["FailingStage", ["0_1_0_0"]],
				]);
				// A fused chain counts stage by stage, never as a stage of its own.
				expect(ledgerProblems(result.summary.ledger), "the run's ledger").toEqual([]);
				expect(result.summary.ledger.stages.map((row) => [row.stage, row.failed])).toEqual([
					["SplitStage", 0],
					["FilterStage", 0],
					["FailingStage", 1],
				]);
				expect(batchRecordProblems(records), "problems in the batch records").toEqual([]);
				expect(stageIdLedgers(records), "the batch records' ledger").toEqual({
					SplitStage: ledger(["0_0", "0_1", "0_2"], ["0_0_0", "0_1_0", "0_2_0"]),
					FilterStage: ledger(["0_0_0", "0_1_0", "0_2_0"], ["0_0_0_0", "0_1_0_0", "0_2_0_0"]),
					FailingStage: {
						...ledger(["0_0_0_0", "0_1_0_0", "0_2_0_0"], ["0_0_0_0_0", "0_2_0_0_0"]),
						failedIds: ["0_1_0_0"],
					},
				});
			},
			ignoreFailuresSkip(kit),
		);

		kit.test(
			"without ignoreFailures a batch whose stage throws fails the run, naming the stage and the tasks",
			async (expect) => {
				expect.assertions(4);
				try {
					await run({ ignoreFailures: false });
				} catch (caught) {
					const error = caught as StageError;
					expect(error.code).toBe(ErrorCodes.stageFailed);
					expect(error.stage).toBe("FailingStage");
					expect(error.taskIds).toEqual(["0_1"]);
					expect(error.message).toContain(failureMessage(13));
				}
			},
			ignoreFailuresSkip(kit),
		);
	});
}

/**
 * Cases "stage errors retried": a stage that throws (its worker stays alive)
 * is retried like a batch whose worker died, up to `numRunAttempts`, on
 * whichever worker; the attempts are counted by the stage itself, in a folder
 * every worker sees. Skipped, visibly, without `supports.retries`.
 */
function registerThrownRetryCases(factory: FaultExecutorFactory, kit: ConformanceKit): void {
	const skip = { when: !kit.supports.retries, because: "supports.retries is false" };
	const run = (settings: FaultSettings, dir: string, failTimes: number, options?: RunOptions) => {
		const stage = new FlakyStage({ failOn: 13, failTimes, dir });
		const pipeline = new Pipeline({ name: "flaky", stages: [stage] });
		const executor = factory(settings);
		return pipeline
			.run(executor, numbersTasks([1], [13], [2]), options)
			.finally(() => disposeExecutor(executor));
	};
	describe("stage errors retried", () => {
		kit.test(
			"a stage that throws once is retried (numRunAttempts 2) and every task comes out",
			(expect) =>
				kit.withTempDir(async (dir) => {
					const retries: RunEvent[] = [];
					const onEvent = (event: RunEvent) => {
						if (event.type === "retry") retries.push(event);
					};
					const result = await run({ numRunAttempts: 2 }, dir, 1, { onEvent });
					expect(idsAndData(result.tasks)).toEqual([
						["0_0_0", [1]],
						["0_1_0", [13]],
						["0_2_0", [2]],
					]);
					expect(result.failures).toEqual([]);
					expect(flakyAttempts(dir, 13)).toBe(2);
					expect(retries).toMatchObject([{ stage: "FlakyStage", taskIds: ["0_1"], attempt: 2 }]);
				}),
			skip,
		);

		for (const numRunAttempts of [1, 3]) {
			kit.test(
				`a stage that always throws is tried numRunAttempts (${numRunAttempts}) times, then fails the run naming them`,
				(expect) =>
					kit.withTempDir(async (dir) => {
						expect.assertions(6);
						try {
							await run({ numRunAttempts }, dir, 1000);
						} catch (caught) {
							const error = caught as StageError;
							expect(error.code).toBe(ErrorCodes.stageFailed);
							expect(error.stage).toBe("FlakyStage");
							expect(error.taskIds).toEqual(["0_1"]);
							expect(error.attempts).toBe(numRunAttempts);
							expect(error.message).toContain(failureMessage(13));
						}
						expect(flakyAttempts(dir, 13)).toBe(numRunAttempts);
					}),
				skip,
			);
		}
	});
}
