import { ErrorCodes, type StageError } from "@curator/core";
import { describe } from "vitest";
import { expectReferenceOutputs, idsAndData, rows } from "../expectations.ts";
import {
	DropAllStage,
	FilterStage,
	ForgetfulStage,
	LifecycleStage,
	MultiplyStage,
	numbersTasks,
	readJournal,
} from "../fixtures/index.ts";
import { conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/**
 * Cases "filtering": `null` results drop tasks without shifting the others'
 * ids; `undefined` (a forgotten `return`) is not a filter but a stage error.
 */
export function registerFilteringCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	describe("filtering", () => {
		kit.test("null drops a task and leaves the other ids unchanged", async (expect) => {
			const result = await expectReferenceOutputs(kit, expect, {
				stages: () => [new FilterStage({ modulo: 2, remainder: 0 })],
				inputs: () => numbersTasks(...rows(4, 1)),
			});
			expect(idsAndData(result.tasks)).toEqual([
				["0_1_0", [2]],
				["0_3_0", [4]],
			]);
		});

		kit.test("filtered slots keep the other slots' ids aligned within a batch", async (expect) => {
			const result = await expectReferenceOutputs(kit, expect, {
				stages: () => [new FilterStage({ modulo: 3, remainder: 0, batchSize: 3 })],
				inputs: () => numbersTasks(...rows(7, 1)),
			});
			expect(idsAndData(result.tasks)).toEqual([
				["0_2_0", [3]],
				["0_5_0", [6]],
			]);
		});

		kit.test("a stage that filters everything ends the run with no tasks", async (expect) => {
			await kit.withTempDir(async (dir) => {
				const result = await expectReferenceOutputs(kit, expect, {
					stages: () => [
						new MultiplyStage({ factor: 2 }),
						new DropAllStage({ batchSize: 2 }),
						new LifecycleStage({ dir, name: "AfterDropAll" }),
					],
					inputs: () => numbersTasks(...rows(5)),
				});
				expect(result.tasks).toEqual([]);
				expect(result.summary.ok).toBe(true);
				const processed = readJournal(dir, "AfterDropAll").filter((e) => e.kind === "process");
				expect(processed, "the stage after the filter processed tasks").toEqual([]);
			});
		});

		kit.test(
			"undefined (a missing return) fails the run naming the stage, never drops silently",
			async (expect) => {
				expect.assertions(5);
				try {
					await kit.run(
						[new MultiplyStage({ factor: 1 }), new ForgetfulStage({ forgetOn: 2, batchSize: 2 })],
						numbersTasks(...rows(3, 1)),
					);
				} catch (caught) {
					const error = caught as StageError;
					expect(error.code).toBe(ErrorCodes.stageFailed);
					expect(error.stage).toBe("ForgetfulStage");
					expect(error.taskIds).toContain("0_1_0");
					expect(error.message).toContain('"ForgetfulStage"');
					expect(error.message).toContain("returned undefined for input task 0_1_0");
				}
			},
		);
	});
}
