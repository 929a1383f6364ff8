import { describe, expect, it } from "vitest";
import {
	BARRIER_BATCH_SIZE,
	BaseStageAdapter,
	compareTaskIds,
	isBarrier,
	ProcessingStage,
	sortByTaskId,
} from "../src/index.ts";
import { type NumberTask, numbers } from "./fixtures.ts";

/** Records the ids of each call's inputs; returns its inputs unchanged. */
class RecordingStage extends ProcessingStage<NumberTask, NumberTask> {
	calls: string[][] = [];
	override process(task: NumberTask): NumberTask {
		return task;
	}
	override async processBatch(tasks: NumberTask[]): Promise<NumberTask[]> {
		this.calls.push(tasks.map((task) => task.taskId));
		return tasks;
	}
}

function tasksWithIds(ids: string[]): NumberTask[] {
	const tasks = numbers(...ids.map((_, i) => [i]));
	tasks.forEach((task, i) => {
		task.taskId = ids[i] as string;
	});
	return tasks;
}

describe("compareTaskIds", () => {
	it("orders numeric segments by value, a prefix first, others by code units", () => {
		const ids = ["0_10", "0_2", "0_2_1", "b", "0", "a", "0_2_0", "r9f", "part-1_0"];
		expect([...ids].sort(compareTaskIds)).toEqual([
			"0",
			"0_2",
			"0_2_0",
			"0_2_1",
			"0_10",
			"a",
			"b",
			"part-1_0",
			"r9f",
		]);
	});

	it("is a total order: numeric before text, equal values by their text", () => {
		// A comparator mixing numeric and text comparison naively puts these in a cycle (9 < 10 < 1a < 9).
		const ids = ["10", "9", "1a", "01", "1", "99999999999999999999", "100000000000000000000"];
		const sorted = ["01", "1", "9", "10", "99999999999999999999", "100000000000000000000", "1a"];
		expect([...ids].sort(compareTaskIds)).toEqual(sorted);
		expect([...ids].reverse().sort(compareTaskIds)).toEqual(sorted);
		for (const a of ids) {
			expect(compareTaskIds(a, a)).toBe(0);
			for (const b of ids) {
				if (a !== b) expect(Math.sign(compareTaskIds(a, b))).toBe(-Math.sign(compareTaskIds(b, a)));
				if (a !== b) expect(compareTaskIds(a, b)).not.toBe(0);
			}
		}
	});

	it("sortByTaskId returns a sorted copy", () => {
		const tasks = tasksWithIds(["0_3", "0_1", "0_2"]);
		expect(sortByTaskId(tasks).map((t) => t.taskId)).toEqual(["0_1", "0_2", "0_3"]);
		expect(tasks.map((t) => t.taskId)).toEqual(["0_3", "0_1", "0_2"]);
	});
});

describe("barriers", () => {
	it("a stage is a barrier from BARRIER_BATCH_SIZE on", () => {
		expect(isBarrier(new RecordingStage({ batchSize: BARRIER_BATCH_SIZE }))).toBe(true);
		expect(isBarrier(new RecordingStage({ batchSize: Number.MAX_SAFE_INTEGER }))).toBe(true);
		expect(isBarrier(new RecordingStage({ batchSize: BARRIER_BATCH_SIZE - 1 }))).toBe(false);
	});

	it("the adapter hands a barrier its inputs in task-id order, ids derived from each parent", async () => {
		const stage = new RecordingStage({ batchSize: BARRIER_BATCH_SIZE });
		const adapter = new BaseStageAdapter(stage);
		const out = await adapter.processBatch(tasksWithIds(["0_10", "0_2", "0_1"]));
		expect(stage.calls).toEqual([["0_1", "0_2", "0_10"]]);
		expect(out.map((t) => [t.taskId, t.data])).toEqual([
			["0_1_0", [2]],
			["0_2_0", [1]],
			["0_10_0", [0]],
		]);
	});

	it("the adapter keeps the order of any other stage's batch", async () => {
		const stage = new RecordingStage({ batchSize: 3 });
		await new BaseStageAdapter(stage).processBatch(tasksWithIds(["0_10", "0_2", "0_1"]));
		expect(stage.calls).toEqual([["0_10", "0_2", "0_1"]]);
	});
});
