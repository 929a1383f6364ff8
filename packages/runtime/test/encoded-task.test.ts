import { describe, expect, it } from "vitest";
import { decodeTasks, encodeTasks } from "../src/codec.ts";
import { asPoolBatch, EncodedTask, isEncoded, type PoolTask } from "../src/encoded-task.ts";
import { outputsOfAll } from "../src/stage-pool.ts";
import { WordsTask } from "./fixtures/stages.ts";

function words(id: string): WordsTask {
	const task = new WordsTask({ datasetName: "d", data: [id] });
	task.taskId = id;
	return task;
}

function encoded(id: string): EncodedTask {
	return new EncodedTask(encodeTasks([words(id)]), { taskId: id, numItems: 1 });
}

describe("asPoolBatch", () => {
	it("keeps a batch that is all decoded or all encoded as it is, without copying it", () => {
		const decoded: PoolTask[] = [words("a"), words("b")];
		const allEncoded: PoolTask[] = [encoded("a"), encoded("b")];
		expect(asPoolBatch(decoded)).toBe(decoded);
		expect(asPoolBatch(allEncoded)).toBe(allEncoded);
		expect(isEncoded(asPoolBatch(allEncoded))).toBe(true);
	});

	it("encodes the decoded tasks of a mixed batch, in place, keeping ids and order", async () => {
		const large = encoded("b");
		const mixed: PoolTask[] = [words("a"), large, words("c")];
		const batch = asPoolBatch(mixed);
		expect(batch).not.toBe(mixed);
		expect(isEncoded(batch)).toBe(true);
		expect(batch[1]).toBe(large);
		expect(batch.map((task) => task.taskId)).toEqual(["a", "b", "c"]);
		const first = (await decodeTasks((batch[0] as EncodedTask).payload as Uint8Array))[0];
		expect(first).toBeInstanceOf(WordsTask);
		expect(first?.data).toEqual(["a"]);
	});
});

describe("outputsOfAll", () => {
	const outcome = (tasks: WordsTask[], kept: EncodedTask[]) => ({
		tasks,
		encoded: kept,
		stats: [],
		failed: false,
		workerId: "w",
	});

	it("joins the outputs of several batches in order, each decoded or kept encoded", () => {
		const large = encoded("c");
		const outputs = outputsOfAll([
			outcome([words("a"), words("b")], []),
			outcome([], [large]),
			outcome([], []),
			outcome([words("d")], []),
		]);
		expect(outputs.map((task) => task.taskId)).toEqual(["a", "b", "c", "d"]);
		expect(outputs[2]).toBe(large);
		expect(outputsOfAll([])).toEqual([]);
	});
});
