import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pipeline, type RunEvent } from "@curator/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	FailingStage,
	FilterStage,
	LifecycleStage,
	numbersTasks,
	readJournal,
	SplitStage,
	stageCalls,
} from "../src/fixtures/index.ts";
import {
	ReferenceExecutor,
	referenceSupports,
	snapshotTasks,
	sortedTaskIds,
} from "../src/index.ts";

let dir = "";
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "curator-reference-"));
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("ReferenceExecutor", () => {
	it("runs stage by stage with core's id rules and one perf record per stage", async () => {
		const pipeline = new Pipeline({
			name: "p",
			stages: [
				new SplitStage({ chunk: 1 }),
				new FilterStage({ modulo: 2, remainder: 0, batchSize: 3 }),
			],
		});
		const { tasks } = await pipeline.run(new ReferenceExecutor(), numbersTasks([1, 2, 3, 4], [6]));
		expect(sortedTaskIds(tasks)).toEqual(["0_0_1_0", "0_0_3_0", "0_1_0_0"]);
		expect(tasks.map((t) => t.stagePerf.map((p) => p.stageName))).toEqual([
			["SplitStage", "FilterStage"],
			["SplitStage", "FilterStage"],
			["SplitStage", "FilterStage"],
		]);
	});

	it("sets a stage up once, before its batches, and tears it down also after a failure", async () => {
		const events: RunEvent[] = [];
		const run = new Pipeline({
			name: "p",
			stages: [new LifecycleStage({ dir, batchSize: 2, failOn: 3 })],
		}).run(new ReferenceExecutor(), numbersTasks([1], [2], [3]), {
			onEvent: (e) => events.push(e),
		});
		await expect(run).rejects.toMatchObject({ code: "CURATOR_STAGE_FAILED", taskIds: ["0_2"] });
		const kinds = readJournal(dir).map((e) => e.kind);
		expect(kinds.filter((k) => k === "setupOnNode")).toHaveLength(1);
		expect(kinds.filter((k) => k === "setup")).toHaveLength(1);
		expect(kinds.filter((k) => k === "teardown")).toHaveLength(1);
		expect(events.filter((e) => e.type === "batch:done").map((e) => e.type)).toHaveLength(1);
	});

	it("does not set up a stage that receives no tasks", async () => {
		const pipeline = new Pipeline({
			name: "p",
			stages: [new FilterStage({ modulo: 2, remainder: 0 }), new LifecycleStage({ dir })],
		});
		expect((await pipeline.run(new ReferenceExecutor(), numbersTasks([1]))).tasks).toEqual([]);
		expect(stageCalls(dir)).toEqual([]);
	});

	it("names its stage errors", async () => {
		const run = new Pipeline({ name: "p", stages: [new FailingStage({ failOn: 2 })] }).run(
			new ReferenceExecutor(),
			numbersTasks([1], [2]),
		);
		await expect(run).rejects.toThrow(/stage "FailingStage" failed on tasks \[0_1\]/);
	});

	it("runs stages whatever resources they ask for (it checks none)", async () => {
		const stage = new LifecycleStage({ dir, name: "Codec" }).with({
			resources: { gpus: 2, entireGpu: true, nvdecs: 1, nvencs: 1 },
		});
		const { tasks } = await new ReferenceExecutor().run([stage], numbersTasks([1]));
		expect(tasks.map((task) => task.data)).toEqual([[1]]);
	});

	it("declares an in-process, single-node manifest", () => {
		expect(new ReferenceExecutor().supports).toEqual(referenceSupports);
		expect(referenceSupports.processIsolation).toBe(false);
	});
});

describe("snapshotTasks", () => {
	it("sorts by task id and keeps class, dataset, data and metadata", () => {
		const [a, b] = numbersTasks([1], [2]);
		if (a === undefined || b === undefined) throw new Error("two tasks expected");
		a.taskId = "0_1";
		b.taskId = "0_0";
		expect(snapshotTasks([a, b])).toEqual([
			{
				taskId: "0_0",
				type: "NumbersTask",
				datasetName: "conformance",
				data: [2],
				metadata: {},
				numItems: 1,
			},
			{
				taskId: "0_1",
				type: "NumbersTask",
				datasetName: "conformance",
				data: [1],
				metadata: {},
				numItems: 1,
			},
		]);
	});
});
