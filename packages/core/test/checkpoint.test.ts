import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	type BatchRecord,
	fileCheckpoint,
	PartitionTracker,
	Pipeline,
	ProcessingStage,
	partitionOf,
	pipelineFingerprint,
	type RunInfo,
	type Task,
} from "../src/index.ts";
import { LoopExecutor, NumberTask, SplitStage } from "./fixtures.ts";

let dir = "";
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "curator-checkpoint-"));
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

function record(
	stage: string,
	inputIds: string[],
	outputIds: string[],
	filteredIds: string[] = [],
): BatchRecord {
	return { stage, inputIds, outputIds, filteredIds, failedIds: [] };
}

describe("partitionOf", () => {
	it("finds the partition a task id descends from by its longest known prefix", () => {
		const partitions = new Set(["files-a", "a", "a_1", "0_2"]);
		expect(partitionOf("files-a", partitions)).toBe("files-a");
		expect(partitionOf("files-a_0_3", partitions)).toBe("files-a");
		expect(partitionOf("a_1_0", partitions)).toBe("a_1");
		expect(partitionOf("a_0_1", partitions)).toBe("a");
		expect(partitionOf("0_2_0", partitions)).toBe("0_2");
		expect(partitionOf("0_20_0", partitions)).toBeUndefined();
		expect(partitionOf("r1a2b3c4", partitions)).toBeUndefined();
	});
});

describe("PartitionTracker", () => {
	it("settles a partition once every descendant left the last stage, counting fan-out and filters", () => {
		const tracker = new PartitionTracker(["Src", "Split", "Sink"], "Src");
		expect(tracker.onBatch(record("Src", ["0"], ["p", "q"]))).toEqual([]);
		expect(tracker.onBatch(record("Split", ["p", "q"], ["p_0", "p_1"], ["q"]))).toEqual(["q"]);
		expect(tracker.onBatch(record("Sink", ["p_0"], ["p_0_0"]))).toEqual([]);
		expect(tracker.onBatch(record("Sink", ["p_1"], ["p_1_0"]))).toEqual(["p"]);
		expect([...tracker.partitions]).toEqual(["p", "q"]);
	});

	it("never settles a partition whose lineage was lost to random ids", () => {
		const tracker = new PartitionTracker(["Src", "Mix", "Sink"], "Src");
		tracker.onBatch(record("Src", ["0"], ["p", "q"]));
		expect(tracker.onBatch(record("Mix", ["p", "q"], ["r1", "r2"]))).toEqual([]);
		expect(tracker.onBatch(record("Sink", ["r1", "r2"], ["r1_0", "r2_0"]))).toEqual([]);
	});

	it("settles a single-stage pipeline's partitions as they come out", () => {
		const tracker = new PartitionTracker(["Src"], "Src");
		expect(tracker.onBatch(record("Src", ["0"], ["p"]))).toEqual(["p"]);
	});
});

describe("fileCheckpoint", () => {
	const opening = { fingerprint: "f1", runId: undefined, restart: false };

	it("starts fresh, records settled partitions durably, and resumes with them and the same run id", async () => {
		const first = fileCheckpoint(dir);
		const fresh = await first.open(opening);
		expect(fresh).toMatchObject({ resumed: false, done: new Set() });
		await first.markDone(["p", "q"]);
		await first.close();
		// A crash cut the last line short: it is not a record.
		await writeFile(join(dir, "done.log"), "p\nq\nhal", { flag: "w" });
		const again = fileCheckpoint(dir);
		const resumed = await again.open(opening);
		expect(resumed).toEqual({ runId: fresh.runId, done: new Set(["p", "q"]), resumed: true });
		await again.close();
	});

	it("refuses another pipeline, a finished run and another run id, and starts over with restart", async () => {
		const store = fileCheckpoint(dir);
		const { runId } = await store.open(opening);
		await store.close();
		await expect(fileCheckpoint(dir).open({ ...opening, fingerprint: "f2" })).rejects.toMatchObject(
			{
				code: "CURATOR_CHECKPOINT",
				message: expect.stringContaining("the pipeline changed since run"),
			},
		);
		await expect(fileCheckpoint(dir).open({ ...opening, runId: "other" })).rejects.toThrow(
			`belongs to run ${runId}, not other`,
		);
		const done = fileCheckpoint(dir);
		await done.open(opening);
		await done.complete();
		await done.close();
		await expect(fileCheckpoint(dir).open(opening)).rejects.toThrow("nothing is left to resume");
		const restarted = fileCheckpoint(dir);
		const state = await restarted.open({ ...opening, fingerprint: "f2", restart: true });
		expect(state).toMatchObject({ resumed: false, done: new Set() });
		expect(state.runId).not.toBe(runId);
		await restarted.close();
		expect(JSON.parse(await readFile(join(dir, "checkpoint.json"), "utf8"))).toMatchObject({
			fingerprint: "f2",
			complete: false,
		});
	});

	it("refuses a folder whose checkpoint.json is not a checkpoint", async () => {
		await writeFile(join(dir, "checkpoint.json"), "{}");
		await expect(fileCheckpoint(dir).open(opening)).rejects.toThrow(
			"is not a checkpoint of format 1",
		);
	});
});

describe("pipelineFingerprint", () => {
	it("changes with an option, not with where an absolute path points", () => {
		const split = (chunk: number, path: string) => Object.assign(new SplitStage(), { chunk, path });
		const a = pipelineFingerprint([split(1, "/mnt/a/data")]);
		expect(pipelineFingerprint([split(1, "/home/me/data")])).toBe(a);
		expect(pipelineFingerprint([split(2, "/mnt/a/data")])).not.toBe(a);
		expect(pipelineFingerprint([split(1, "/mnt/a/other")])).not.toBe(a);
	});
});

/** Staged outputs by task id, published at commit: the sink contract `FileSinkStage` follows. */
const staged = new Map<string, number[]>();
let published = new Map<string, number[]>();

class MapSink extends ProcessingStage<NumberTask, NumberTask> {
	override preflight(run: RunInfo): void {
		for (const id of [...staged.keys()]) if (run.checkpoint?.kept(id) !== true) staged.delete(id);
	}
	override process(task: NumberTask): NumberTask {
		staged.set(task.taskId, task.data);
		return task;
	}
	override commit(): void {
		published = new Map(staged);
		staged.clear();
	}
	override rollback(run: RunInfo): void {
		if (run.checkpoint === undefined) staged.clear();
	}
}

class Numbers extends ProcessingStage<Task, NumberTask> {
	override process(): NumberTask[] {
		return [1, 2, 3, 4, 5].map((n) => new NumberTask({ data: [n, n * 10] }));
	}
}

/** After the sink: fails on a number while `poisoned`, as a bug fixed between two runs would. */
class Poison extends ProcessingStage<NumberTask, NumberTask> {
	override process(task: NumberTask): NumberTask {
		if (poisoned && task.data.includes(4)) throw new Error("poisoned 4");
		return task;
	}
}
let poisoned = false;

describe("a run with a checkpoint", () => {
	const pipeline = () =>
		new Pipeline({
			name: "resumable",
			stages: [new Numbers(), new SplitStage(), new MapSink(), new Poison()],
		});

	it("resumed after a failure skips the settled partitions and publishes what an uninterrupted run does", async () => {
		staged.clear();
		await pipeline().run(new LoopExecutor());
		const uninterrupted = new Map(published);
		expect(uninterrupted.size).toBe(10);

		staged.clear();
		published = new Map();
		poisoned = true;
		const checkpoint = join(dir, "ckpt");
		await expect(pipeline().run(new LoopExecutor(), undefined, { checkpoint })).rejects.toThrow(
			"poisoned 4",
		);
		expect(published.size).toBe(0);
		// Numbers 1-3 went through every stage; 4 failed in Poison, 5 never got there.
		expect((await readFile(join(checkpoint, "done.log"), "utf8")).split("\n")).toEqual([
			"0_0",
			"0_1",
			"0_2",
			"",
		]);

		poisoned = false;
		const resumed = await pipeline().run(new LoopExecutor(), undefined, { checkpoint });
		// The stage after the source drops the settled partitions unseen: filtered, ids unchanged.
		const split = resumed.summary.stages.find((s) => s.stage === "SplitStage");
		expect(split).toMatchObject({ tasksIn: 5, filteredTasks: 3, tasksOut: 4 });
		expect(resumed.summary.ledger.balanced).toBe(true);
		expect(new Map([...published].sort())).toEqual(new Map([...uninterrupted].sort()));
		await expect(pipeline().run(new LoopExecutor(), undefined, { checkpoint })).rejects.toThrow(
			"nothing is left to resume",
		);
	});
});
