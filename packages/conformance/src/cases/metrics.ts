import { aggregateStageMetrics } from "@curator/core";
import { describe } from "vitest";
import { expectReferenceOutputs } from "../expectations.ts";
import { MetricsStage, MultiplyStage, numbersTasks } from "../fixtures/index.ts";
import { conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

// Five tasks holding nine numbers: MetricsStage logs items += 9 and calls += 5 in all.
const inputs = () => numbersTasks([1, 2], [3], [4, 5, 6], [7], [8, 9]);
const totals = { items: 9, calls: 5 };

/** Cases "custom metrics": `logMetric` values summed per stage, in the summary and on the tasks. */
export function registerMetricsCases(factory: ExecutorFactory, options?: ConformanceOptions): void {
	const kit = conformanceKit(factory, options);
	describe("custom metrics", () => {
		kit.test("are summed per stage in the run summary", async (expect) => {
			const result = await expectReferenceOutputs(kit, expect, {
				stages: () => [new MetricsStage({ batchSize: 2 }), new MultiplyStage({ factor: 2 })],
				inputs,
			});
			const stage = result.summary.stages.find((s) => s.stage === "MetricsStage");
			expect(stage?.perf.customMetrics).toEqual(totals);
		});

		kit.test("travel on the output tasks (aggregateStageMetrics)", async (expect) => {
			const result = await expectReferenceOutputs(kit, expect, {
				stages: () => [new MultiplyStage({ factor: 2 }), new MetricsStage({ batchSize: 2 })],
				inputs,
			});
			const stage = aggregateStageMetrics(result.tasks).find((s) => s.stageName === "MetricsStage");
			expect(stage?.customMetrics).toEqual(totals);
		});
	});
}
