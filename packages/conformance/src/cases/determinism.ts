import { describe } from "vitest";
import { contentOf } from "../compare.ts";
import { expectReferenceOutputs, type Scenario } from "../expectations.ts";
import {
	FilterStage,
	GenerateStage,
	MetricsStage,
	PairBatchStage,
	SplitStage,
} from "../fixtures/index.ts";
import { conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/** A pipeline with every id rule at work: source fan-out, fan-out, filter, batch slots. */
const mixed: Scenario = {
	stages: () => [
		new GenerateStage({ count: 4, width: 3 }),
		new SplitStage({ chunk: 2, batchSize: 3 }),
		new FilterStage({ modulo: 3, remainder: 0, batchSize: 2 }),
		new PairBatchStage({ batchSize: 3 }),
		new MetricsStage({ batchSize: 2 }),
	],
};

/** Cases "determinism": outputs and ids equal the reference run and repeat across runs. */
export function registerDeterminismCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	describe("determinism", () => {
		kit.test("outputs and task ids equal the reference run", async (expect) => {
			const result = await expectReferenceOutputs(kit, expect, mixed);
			expect(result.tasks.length).toBeGreaterThan(0);
		});

		kit.test("two runs give identical outputs and task ids", async (expect) => {
			const first = await kit.run(mixed.stages());
			const second = await kit.run(mixed.stages());
			expect(first.tasks.length).toBeGreaterThan(0);
			expect(contentOf(second.tasks)).toEqual(contentOf(first.tasks));
		});
	});
}
