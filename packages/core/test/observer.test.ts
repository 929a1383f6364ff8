import { describe, expect, it } from "vitest";
import { BaseStageAdapter } from "../src/adapter.ts";
import { assignTaskIdsInOrder } from "../src/ids.ts";
import { type BatchRecord, Pipeline, ProcessingStage, type StageOutput } from "../src/index.ts";
import { LoopExecutor, NumberTask, numbers, SplitStage } from "./fixtures.ts";

/** Drops tasks holding 0, throws on tasks holding 13, doubles the others. */
class PickyStage extends ProcessingStage<NumberTask, NumberTask> {
	override process(task: NumberTask): StageOutput<NumberTask> {
		if (task.data.includes(13)) throw new Error("no 13");
		if (task.data.includes(0)) return null;
		return new NumberTask({ data: task.data.map((n) => n * 2) });
	}
}

function withIds(ids: string[]): NumberTask[] {
	return ids.map((id, i) => Object.assign(new NumberTask({ data: [i] }), { taskId: id }));
}

describe("filtered inputs", () => {
	it("are the null and empty slots of a positional batch", () => {
		const [x] = numbers([1]);
		const out = assignTaskIdsInOrder("S", withIds(["a", "b", "c"]), [null, x!, []], false);
		expect(out.filtered).toEqual([0, 2]);
		expect(out.tasks.map((t) => t.taskId)).toEqual(["b_0"]);
	});

	it("are every input of a batch that returned nothing, and none of an ambiguous one", () => {
		expect(assignTaskIdsInOrder("S", withIds(["a"]), [], false).filtered).toEqual([0]);
		expect(assignTaskIdsInOrder("S", withIds(["a", "b"]), [], false).filtered).toEqual([0, 1]);
		const ambiguous = assignTaskIdsInOrder("S", withIds(["a", "b"]), numbers([1]), false);
		expect(ambiguous.filtered).toEqual([]);
	});

	it("reach the adapter's batch result by id, with the input and output ids", async () => {
		const adapter = new BaseStageAdapter(new PickyStage());
		// withIds gives data [0] to "a" (filtered) and [1] to "b".
		const result = await adapter.processBatchWithStats(withIds(["a", "b"]));
		expect(result.inputIds).toEqual(["a", "b"]);
		expect(result.outputIds).toEqual(["b_0"]);
		expect(result.filteredIds).toEqual(["a"]);
	});
});

describe("RunOptions.observer", () => {
	it("gets one record per batch: finished ones with their ids, failed ones with failedIds", async () => {
		const split = new SplitStage().with({ name: "Split" });
		const picky = new PickyStage().with({ name: "Picky", batchSize: 2 });
		const pipeline = new Pipeline({ name: "p", stages: [split, picky] });
		const records: BatchRecord[] = [];
		const result = await pipeline.run(
			new LoopExecutor({ ignoreFailures: true }),
			numbers([0, 5], [13]),
			{
				observer: { onBatch: (record) => records.push(record) },
			},
		);
		expect(result.tasks.map((t) => t.taskId)).toEqual(["0_0_1_0"]);
		expect(records).toEqual([
			{
				stage: "Split",
				workerId: "Split-0",
				inputIds: ["0_0"],
				outputIds: ["0_0_0", "0_0_1"],
				filteredIds: [],
				failedIds: [],
			},
			{
				stage: "Split",
				workerId: "Split-0",
				inputIds: ["0_1"],
				outputIds: ["0_1_0"],
				filteredIds: [],
				failedIds: [],
			},
			{
				stage: "Picky",
				workerId: "Picky-0",
				inputIds: ["0_0_0", "0_0_1"],
				outputIds: ["0_0_1_0"],
				filteredIds: ["0_0_0"],
				failedIds: [],
			},
			{
				stage: "Picky",
				workerId: "Picky-0",
				inputIds: ["0_1_0"],
				outputIds: [],
				filteredIds: [],
				failedIds: ["0_1_0"],
			},
		]);
	});
});
