import type { RunEvent } from "@curator/core";
import { describe } from "vitest";
import { batchesOf, expectReferenceOutputs, idsAndData } from "../expectations.ts";
import { NumbersComposite, numbersTasks } from "../fixtures/index.ts";
import { conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/** Cases "composite": a composite stage runs as its sub-stages, overrides applied. */
export function registerCompositeCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	describe("composite", () => {
		kit.test("decomposes into its stages with per-stage overrides applied", async (expect) => {
			const events: RunEvent[] = [];
			const composite = () =>
				new NumbersComposite({ factor: 10, chunk: 1 }).with({
					MultiplyStage: { name: "TimesTen", batchSize: 2 },
				});
			const result = await expectReferenceOutputs(kit, expect, {
				stages: () => [composite()],
				inputs: () => numbersTasks([1, 2], [3], [4]),
				onEvent: (event) => events.push(event),
			});
			expect(idsAndData(result.tasks)).toEqual([
				["0_0_0_0", [10]],
				["0_0_0_1", [20]],
				["0_1_0_0", [30]],
				["0_2_0_0", [40]],
			]);
			for (const task of result.tasks) {
				expect(task.stagePerf.map((perf) => perf.stageName)).toEqual(["TimesTen", "SplitStage"]);
			}
			const sizes = batchesOf(events, "TimesTen").map((event) => event.tasksIn);
			expect(sizes.reduce((sum, n) => sum + n, 0)).toBe(3);
			expect(Math.max(...sizes), "batchSize override of TimesTen").toBeLessThanOrEqual(2);
		});
	});
}
