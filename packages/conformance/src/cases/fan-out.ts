import { describe } from "vitest";
import { expectReferenceOutputs, idsAndData } from "../expectations.ts";
import { numbersTasks, SplitStage } from "../fixtures/index.ts";
import { conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/** Cases "fan-out": one input task becoming several outputs, ids `<parent>_<j>`. */
export function registerFanOutCases(factory: ExecutorFactory, options?: ConformanceOptions): void {
	const kit = conformanceKit(factory, options);
	describe("fan-out", () => {
		kit.test(
			"one input becomes several outputs with ids <parent>_0, <parent>_1, ...",
			async (expect) => {
				const result = await expectReferenceOutputs(kit, expect, {
					stages: () => [new SplitStage({ chunk: 1 })],
					inputs: () => numbersTasks([1, 2, 3], [4]),
				});
				expect(idsAndData(result.tasks)).toEqual([
					["0_0_0", [1]],
					["0_0_1", [2]],
					["0_0_2", [3]],
					["0_1_0", [4]],
				]);
			},
		);

		kit.test("chained fan-outs derive every id from its own parent", async (expect) => {
			const result = await expectReferenceOutputs(kit, expect, {
				stages: () => [new SplitStage({ chunk: 2 }), new SplitStage({ chunk: 1, batchSize: 2 })],
				inputs: () => numbersTasks([1, 2, 3]),
			});
			expect(idsAndData(result.tasks)).toEqual([
				["0_0_0_0", [1]],
				["0_0_0_1", [2]],
				["0_0_1_0", [3]],
			]);
		});
	});
}
