import { describe } from "vitest";
import { expectReferenceOutputs, idsAndData } from "../expectations.ts";
import { MultiplyStage, numbersTasks, PairBatchStage } from "../fixtures/index.ts";
import { conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/** Cases "stage kinds": a stage implementing `process` and one overriding `processBatch`. */
export function registerStageKindCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	describe("stage kinds", () => {
		kit.test("a process() stage gives the reference outputs", async (expect) => {
			const result = await expectReferenceOutputs(kit, expect, {
				stages: () => [new MultiplyStage({ factor: 3, batchSize: 2 })],
				inputs: () => numbersTasks([1], [2, 3], [4]),
			});
			expect(idsAndData(result.tasks)).toEqual([
				["0_0_0", [3]],
				["0_1_0", [6, 9]],
				["0_2_0", [12]],
			]);
		});

		kit.test(
			"a processBatch() stage with fan-out and filtered slots gives the reference outputs",
			async (expect) => {
				const result = await expectReferenceOutputs(kit, expect, {
					stages: () => [new PairBatchStage({ batchSize: 4 })],
					inputs: () => numbersTasks([1], [1, 1], [2, 2], [3], [5, 1]),
				});
				expect(idsAndData(result.tasks)).toEqual([
					["0_1_0", [2]],
					["0_2_0", [4]],
					["0_2_1", [-4]],
					["0_4_0", [6]],
				]);
			},
		);
	});
}
