import { Pipeline, type RunEvent, StageError } from "@curator/core";
import { describe, expect, it } from "vitest";
import { LocalExecutor } from "../src/index.ts";
import { JournalStage, KeepEvenStage, numbers, SplitStage } from "./fixtures.ts";

const executor = () => new LocalExecutor({ machine: { cpus: 2, gpus: 0 } });

describe("LocalExecutor", () => {
	it("runs stage by stage, in batches, with derived task ids", async () => {
		const events: RunEvent[] = [];
		const pipeline = new Pipeline({
			name: "p",
			stages: [new SplitStage(), new KeepEvenStage({ batchSize: 3 })],
		});
		const result = await pipeline.run(executor(), numbers([1, 2, 3, 4], [6]), {
			onEvent: (e) => events.push(e),
		});
		expect(result.tasks.map((t) => [t.taskId, t.data])).toEqual([
			["0_0_1_0", [2]],
			["0_0_3_0", [4]],
			["0_1_0_0", [6]],
		]);
		expect(result.tasks[0]?.stagePerf.map((p) => p.stageName)).toEqual([
			"SplitStage",
			"KeepEvenStage",
		]);
		const batches = events.filter((e) => e.type === "batch:done" && e.stage === "KeepEvenStage");
		expect(batches.map((e) => (e.type === "batch:done" ? e.tasksIn : 0))).toEqual([3, 2]);
		expect(result.summary.stages.map((s) => [s.stage, s.tasksIn, s.tasksOut])).toEqual([
			["SplitStage", 2, 5],
			["KeepEvenStage", 5, 3],
		]);
	});

	it("gives identical task ids across two runs", async () => {
		const pipeline = new Pipeline({ name: "p", stages: [new SplitStage(), new KeepEvenStage()] });
		const ids = async () =>
			(await pipeline.run(executor(), numbers([2, 4, 5], [8]))).tasks.map((t) => t.taskId);
		expect(await ids()).toEqual(await ids());
	});

	it("runs setupOnNode and setup once, then every batch, then teardown", async () => {
		const journal: string[] = [];
		await new Pipeline({ name: "p", stages: [new JournalStage(journal)] }).run(
			executor(),
			numbers([1], [2], [3]),
		);
		expect(journal).toEqual([
			"setupOnNode",
			"setup",
			"process:0_0",
			"process:0_1",
			"process:0_2",
			"teardown",
		]);
	});

	it("names the stage and task ids when a stage throws, and still tears down", async () => {
		expect.assertions(4);
		const journal: string[] = [];
		const pipeline = new Pipeline({ name: "p", stages: [new JournalStage(journal, 3)] });
		try {
			await pipeline.run(executor(), numbers([1], [2], [3], [4]));
		} catch (error) {
			expect(error).toBeInstanceOf(StageError);
			expect((error as StageError).taskIds).toEqual(["0_2", "0_3"]);
			expect((error as Error).message).toMatch(
				/stage "JournalStage" failed on tasks \[0_2, 0_3\], worker JournalStage-0: cannot take 3/,
			);
			expect(journal.at(-1)).toBe("teardown");
		}
	});

	it("fails before any work when the machine cannot meet a resource request", async () => {
		const journal: string[] = [];
		const gpuStage = new JournalStage(journal).with({ resources: { gpus: 1 } });
		await expect(
			new Pipeline({ name: "p", stages: [gpuStage] }).run(executor(), numbers([1])),
		).rejects.toThrow(
			/local: stage "JournalStage" needs 1 GPU\(s\) per worker and this machine has no GPU/,
		);
		const bigStage = new JournalStage(journal).with({ resources: { cpus: 64 } });
		await expect(
			new Pipeline({ name: "p", stages: [bigStage] }).run(executor(), numbers([1])),
		).rejects.toMatchObject({
			code: "CURATOR_UNSATISFIABLE_RESOURCES",
		});
		expect(journal).toEqual([]);
	});

	it("refuses an unknown or bad config key by name", () => {
		expect(() => new LocalExecutor({ machin: { cpus: 1, gpus: 0 } } as never)).toThrow(
			'local: unknown config key "machin"',
		);
		expect(() => new LocalExecutor({ machine: 4 } as never)).toThrow(
			"local: machine must be an object",
		);
	});

	it.each([
		[{ nvdecs: 1 }, "nvdecs"],
		[{ nvencs: 1 }, "nvencs"],
		[{ gpus: 1, entireGpu: true }, "entireGpu"],
	])("refuses %j, which it cannot reserve, before any work", async (resources, kind) => {
		const journal: string[] = [];
		const stage = new JournalStage(journal).with({ resources });
		const gpuMachine = new LocalExecutor({ machine: { cpus: 2, gpus: 1 } });
		await expect(gpuMachine.run([stage], numbers([1]))).rejects.toMatchObject({
			code: "CURATOR_UNSATISFIABLE_RESOURCES",
			message: expect.stringContaining(`local: stage "JournalStage" asks for ${kind},`),
		});
		expect(journal).toEqual([]);
	});

	it("stops between batches on abort and tears down", async () => {
		const journal: string[] = [];
		const controller = new AbortController();
		const stage = new JournalStage(journal);
		const run = new Pipeline({ name: "p", stages: [stage] }).run(
			executor(),
			numbers([1], [2], [3], [4]),
			{
				signal: controller.signal,
				onEvent: (e) => {
					if (e.type === "batch:done") controller.abort("user");
				},
			},
		);
		await expect(run).rejects.toMatchObject({ code: "CURATOR_ABORTED" });
		expect(journal).toEqual(["setupOnNode", "setup", "process:0_0", "process:0_1", "teardown"]);
	});

	it("skips setup of stages that receive no tasks", async () => {
		const journal: string[] = [];
		const pipeline = new Pipeline({
			name: "p",
			stages: [new KeepEvenStage(), new JournalStage(journal)],
		});
		const result = await pipeline.run(executor(), numbers([1], [3]));
		expect(result.tasks).toEqual([]);
		expect(journal).toEqual([]);
	});
});
