import { describe, expect, it } from "vitest";
import {
	aggregateStageMetrics,
	emptyPerfStats,
	flattenPerfStats,
	RunSummaryBuilder,
	type StagePerfStats,
	sameRecords,
	sumPerfStats,
} from "../src/index.ts";
import { NumberTask } from "./fixtures.ts";

function stats(
	stageName: string,
	batchId: string,
	time: number,
	custom: Record<string, number> = {},
): StagePerfStats {
	return {
		...emptyPerfStats(stageName),
		batchId,
		processTimeS: time,
		numItemsProcessed: 2,
		numTasksProcessed: 1,
		customMetrics: custom,
	};
}

describe("StagePerfStats", () => {
	it("sums records, custom metrics key by key", () => {
		const total = sumPerfStats(stats("S", "a", 1, { x: 1 }), stats("S", "b", 3, { x: 2, y: 5 }));
		expect(total).toMatchObject({
			stageName: "S",
			processTimeS: 4,
			numItemsProcessed: 4,
			perItemTimeS: 1,
		});
		expect(total.customMetrics).toEqual({ x: 3, y: 5 });
	});

	it("compares histories record by record, by identity", () => {
		const [a, b] = [emptyPerfStats("A"), emptyPerfStats("B")];
		expect(sameRecords([a, b], [a, b])).toBe(true);
		expect(sameRecords([], [])).toBe(true);
		expect(sameRecords([a, b], [b, a])).toBe(false);
		expect(sameRecords([a], [a, b])).toBe(false);
		expect(sameRecords([a], [{ ...a }])).toBe(false);
	});

	it("flattens with a custom. prefix", () => {
		const flat = flattenPerfStats(stats("S", "a", 2, { hits: 7 }));
		expect(flat).toMatchObject({ processTimeS: 2, numItemsProcessed: 2, "custom.hits": 7 });
		expect(Object.keys(flat)).not.toContain("hits");
	});

	it("aggregates per stage over output tasks, counting each batch once", () => {
		const batch = stats("A", "0_0", 2, { n: 1 });
		const t1 = new NumberTask({ data: [1], stagePerf: [batch, stats("B", "0_0_0", 1)] });
		const t2 = new NumberTask({ data: [2], stagePerf: [batch, stats("B", "0_0_1", 1)] });
		const totals = aggregateStageMetrics([t1, t2]);
		expect(totals.map((s) => [s.stageName, s.processTimeS, s.customMetrics.n ?? 0])).toEqual([
			["A", 2, 1],
			["B", 2, 0],
		]);
	});
});

describe("RunSummaryBuilder", () => {
	it("folds batch events into per-stage totals", () => {
		const builder = new RunSummaryBuilder();
		builder.add({ type: "run:start", backend: "b", stages: ["A", "B"] });
		builder.add({
			type: "batch:done",
			stage: "A",
			workerId: "w1",
			tasksIn: 2,
			tasksOut: 3,
			itemsIn: 4,
			itemsOut: 5,
			perf: stats("A", "x", 1),
			inputIds: ["x", "x2"],
			outputIds: ["x_0", "x_1", "x2_0"],
			filteredIds: [],
		});
		builder.add({
			type: "batch:done",
			stage: "A",
			workerId: "w2",
			tasksIn: 1,
			tasksOut: 0,
			itemsIn: 1,
			itemsOut: 0,
			perf: stats("A", "y", 2),
			inputIds: ["y"],
			outputIds: [],
			filteredIds: ["y"],
		});
		builder.add({ type: "retry", stage: "A", taskIds: ["x"], attempt: 2, reason: "crash" });
		builder.add({
			type: "task:failed",
			failure: { stage: "B", taskIds: ["t1", "t2"], error: "e", attempts: 2 },
		});
		builder.add({ type: "run:end", ok: true });
		const summary = builder.build();
		expect(summary.ok).toBe(true);
		expect(summary.stages.map((s) => s.stage)).toEqual(["A", "B"]);
		expect(summary.stages[0]).toMatchObject({
			batches: 2,
			tasksIn: 3,
			tasksOut: 3,
			itemsIn: 5,
			itemsOut: 5,
			workers: 2,
			retries: 1,
		});
		expect(summary.stages[0]?.perf.processTimeS).toBe(3);
		expect(summary.stages[1]?.failedTasks).toBe(2);
	});
});
