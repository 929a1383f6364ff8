import { ErrorCodes } from "@curator/core";
import { describe } from "vitest";
import { idsAndData } from "../expectations.ts";
import { CrashOnceStage, CrashStage, numbersTasks } from "../fixtures/index.ts";
import { conformanceKit, type ExecutorFactory, retriedCrashSkip, type SkipWhen } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/**
 * Cases "process isolation": a worker process that dies mid-batch. Only for
 * backends with `supports.processIsolation` (in-process, the crash would end
 * the test run); the retry case also needs `supports.retries`.
 */
export function registerIsolationCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	const inProcess: SkipWhen = {
		when: !kit.supports.processIsolation,
		because: "supports.processIsolation is false",
	};
	describe("process isolation", () => {
		kit.test(
			"a worker that dies mid-batch fails the run with the stage name and task ids",
			async (expect) => {
				expect.assertions(3);
				try {
					await kit.run([new CrashStage({ exitOn: 13 })], numbersTasks([1], [13], [2]));
				} catch (error) {
					expect(error).toMatchObject({ code: ErrorCodes.stageFailed, stage: "CrashStage" });
					expect((error as { taskIds?: string[] }).taskIds).toContain("0_1");
					expect((error as Error).message).toContain('"CrashStage"');
				}
			},
			inProcess,
		);

		kit.test(
			"a batch whose worker died is retried and the run completes",
			async (expect) => {
				await kit.withTempDir(async (dir) => {
					const result = await kit.run(
						[new CrashOnceStage({ dir, exitOn: 13 })],
						numbersTasks([1], [13], [2]),
					);
					expect(idsAndData(result.tasks)).toEqual([
						["0_0_0", [1]],
						["0_1_0", [13]],
						["0_2_0", [2]],
					]);
					const stage = result.summary.stages.find((s) => s.stage === "CrashOnceStage");
					expect(stage?.retries ?? 0, "retries in the run summary").toBeGreaterThanOrEqual(1);
				});
			},
			retriedCrashSkip(kit.supports),
		);
	});
}
