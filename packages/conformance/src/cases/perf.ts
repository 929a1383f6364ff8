import type { StagePerfStats } from "@curator/core";
import { describe } from "vitest";
import { expectReferenceOutputs } from "../expectations.ts";
import { MetricsStage, MultiplyStage, numbersTasks, SplitStage } from "../fixtures/index.ts";
import { conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

const numericFields = [
	"processTimeS",
	"idleTimeS",
	"inputSizeBytes",
	"numItemsProcessed",
	"numTasksProcessed",
	"perItemTimeS",
] as const satisfies readonly (keyof StagePerfStats)[];

/** Cases "perf": the `StagePerfStats` every output task carries. */
export function registerPerfCases(factory: ExecutorFactory, options?: ConformanceOptions): void {
	const kit = conformanceKit(factory, options);
	describe("perf", () => {
		kit.test(
			"every output carries one StagePerfStats per stage, in pipeline order",
			async (expect) => {
				const stages = ["MultiplyStage", "SplitStage", "MetricsStage"];
				const result = await expectReferenceOutputs(kit, expect, {
					stages: () => [
						new MultiplyStage({ factor: 2 }),
						new SplitStage({ chunk: 1, batchSize: 2 }),
						new MetricsStage({ batchSize: 3 }),
					],
					inputs: () => numbersTasks([1, 2], [3]),
				});
				expect(result.tasks).toHaveLength(3);
				for (const task of result.tasks) {
					expect(
						task.stagePerf.map((perf) => perf.stageName),
						task.taskId,
					).toEqual(stages);
					for (const perf of task.stagePerf) {
						for (const field of numericFields) {
							expect(
								Number.isFinite(perf[field]) && perf[field] >= 0,
								`${perf.stageName}.${field}`,
							).toBe(true);
						}
						expect(perf.numTasksProcessed).toBeGreaterThanOrEqual(1);
					}
				}
				expect(result.summary.stages.map((stage) => stage.stage)).toEqual(stages);
			},
		);

		kit.test("a perf record counts its batch's input tasks and items", async (expect) => {
			const result = await expectReferenceOutputs(kit, expect, {
				stages: () => [new SplitStage({ chunk: 5 }), new MultiplyStage({ factor: 1 })],
				inputs: () => numbersTasks([1, 2, 3], [4]),
			});
			const counts = result.tasks
				.map((task) => [task.taskId, task.stagePerf.map(countsOf)] as const)
				.sort(([a], [b]) => (a < b ? -1 : 1));
			expect(counts).toEqual([
				[
					"0_0_0_0",
					[
						[1, 3],
						[1, 3],
					],
				],
				[
					"0_1_0_0",
					[
						[1, 1],
						[1, 1],
					],
				],
			]);
		});
	});
}

function countsOf(perf: StagePerfStats): [number, number] {
	return [perf.numTasksProcessed, perf.numItemsProcessed];
}
