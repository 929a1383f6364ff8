import { describe } from "vitest";
import { expectReferenceOutputs, idsAndData } from "../expectations.ts";
import { GenerateStage, MultiplyStage, numbersTasks } from "../fixtures/index.ts";
import { conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/** Cases "roots": runs from `EmptyTask` and from initial tasks, and content ids at the source. */
export function registerRootCases(factory: ExecutorFactory, options?: ConformanceOptions): void {
	const kit = conformanceKit(factory, options);
	describe("roots", () => {
		kit.test("a run without initial tasks starts from EmptyTask (id 0)", async (expect) => {
			const result = await expectReferenceOutputs(kit, expect, {
				stages: () => [new GenerateStage({ count: 3, width: 2 })],
			});
			expect(idsAndData(result.tasks)).toEqual([
				["0_0", [1, 2]],
				["0_1", [3, 4]],
				["0_2", [5, 6]],
			]);
		});

		kit.test("initial tasks get root ids 0_0, 0_1, ... in the order given", async (expect) => {
			const result = await expectReferenceOutputs(kit, expect, {
				stages: () => [new MultiplyStage({ factor: 1, batchSize: 2 })],
				inputs: () => numbersTasks([5], [6], [7]),
			});
			expect(idsAndData(result.tasks)).toEqual([
				["0_0_0", [5]],
				["0_1_0", [6]],
				["0_2_0", [7]],
			]);
		});

		kit.test("tasks leaving the source stage take their deterministicId()", async (expect) => {
			const result = await expectReferenceOutputs(kit, expect, {
				stages: () => [
					new GenerateStage({ count: 2, width: 1, keyPrefix: "part" }),
					new MultiplyStage({ factor: 2 }),
				],
			});
			expect(idsAndData(result.tasks)).toEqual([
				["part-0_0", [2]],
				["part-1_0", [4]],
			]);
		});
	});
}
