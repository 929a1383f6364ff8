import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor } from "@curator/backend-local";
import { childProcessesOf } from "@curator/conformance";
import { type BatchRecord, Pipeline, type RunEvent, type Task } from "@curator/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ActorPoolExecutor } from "../src/index.ts";
import {
	FailingNodeSetupStage,
	FailingSetupStage,
	FirstWorkerFirstStage,
	MathStage,
	numbers,
} from "./fixtures/stages.ts";

const machine = { cpus: 2, gpus: 0 };
let dir = "";
beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "curator-pool-"));
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
	expect(childProcessesOf().map((p) => p.pid)).toEqual([]);
});

const view = (tasks: Task[]) =>
	tasks.map((t) => [t.taskId, t.data, t.stagePerf.map((p) => p.stageName)]);
const input = () => numbers([1, 2], [13], [3, 4, 5, 6], [7], [8, 9]);

describe.each(["process", "thread"] as const)("ActorPoolExecutor (%s isolation)", (isolation) => {
	it("gives the same outputs and ids as backend-local", async () => {
		const pipeline = new Pipeline({
			name: "p",
			stages: [new MathStage({ batchSize: 2 }), new MathStage()],
		});
		const local = await pipeline.run(new LocalExecutor({ machine }), input());
		const pooled = await pipeline.run(new ActorPoolExecutor({ isolation, machine }), input());
		expect(view(pooled.tasks)).toEqual(view(local.tasks));
		expect(pooled.summary.stages.map((s) => [s.stage, s.tasksIn, s.tasksOut])).toEqual(
			local.summary.stages.map((s) => [s.stage, s.tasksIn, s.tasksOut]),
		);
		expect(pooled.summary.stages[0]?.perf.customMetrics.squared).toBe(9);
	});

	it("derives batch ids only for a run that reads them, and counts filtered tasks either way", async () => {
		const pipeline = new Pipeline({ name: "p", stages: [new MathStage({ batchSize: 2 })] });
		const events: RunEvent[] = [];
		const plain = await pipeline.run(new ActorPoolExecutor({ isolation, machine }), input(), {
			onEvent: (event) => events.push(event),
		});
		const done = events.flatMap((event) => (event.type === "batch:done" ? [event] : []));
		expect(done.flatMap((event) => [...event.inputIds, ...event.outputIds])).toEqual([]);
		expect(done.flatMap((event) => event.filteredIds)).toEqual(["0_1"]);
		expect(plain.summary.stages[0]).toMatchObject({ tasksIn: 5, tasksOut: 7, filteredTasks: 1 });
		const records: BatchRecord[] = [];
		await pipeline.run(new ActorPoolExecutor({ isolation, machine }), input(), {
			observer: { onBatch: (record) => records.push(record) },
		});
		expect(records.flatMap((record) => record.inputIds).sort()).toEqual([
			"0_0",
			"0_1",
			"0_2",
			"0_3",
			"0_4",
		]);
		expect(records.flatMap((record) => record.outputIds).sort()).toEqual([
			"0_0_0",
			"0_2_0",
			"0_2_1",
			"0_2_2",
			"0_2_3",
			"0_3_0",
			"0_4_0",
		]);
		expect(records.flatMap((record) => record.filteredIds)).toEqual(["0_1"]);
	});

	it("runs setupOnNode once, setup once per worker and teardown for each", async () => {
		const journal = join(dir, `journal-${isolation}`);
		const stage = new MathStage();
		stage.journal = journal;
		const result = await new Pipeline({ name: "p", stages: [stage] }).run(
			new ActorPoolExecutor({ isolation, machine }),
			numbers([1], [2], [3], [4]),
		);
		expect(result.tasks).toHaveLength(4);
		const lines = (await readFile(journal, "utf8")).trim().split("\n");
		expect(lines.filter((l) => l === "setupOnNode")).toHaveLength(1);
		expect(lines.filter((l) => l.startsWith("setup ")).sort()).toEqual([
			"setup MathStage-0",
			"setup MathStage-1",
		]);
		expect(lines.filter((l) => l === "teardown")).toHaveLength(2);
		expect(result.summary.stages[0]?.workers).toBe(2);
	});

	it("a worker takes batches as soon as it is set up, before the others are", async () => {
		// The second worker's setup ends only once a batch has run: waiting for every worker before
		// the first batch would never finish.
		const stage = new FirstWorkerFirstStage();
		stage.dir = join(dir, `first-${isolation}`);
		stage.journal = join(stage.dir, "journal");
		await mkdir(stage.dir);
		const result = await new Pipeline({ name: "p", stages: [stage] }).run(
			new ActorPoolExecutor({ isolation, machine }),
			numbers([1], [2], [3], [4]),
		);
		expect(result.tasks).toHaveLength(4);
		const lines = (await readFile(stage.journal, "utf8")).trim().split("\n");
		expect(lines.filter((l) => l.startsWith("setup "))).toHaveLength(2);
		expect(lines.filter((l) => l === "teardown")).toHaveLength(2);
	});

	it("until every worker is set up, each one holds a single batch, so a later worker is not left idle", async () => {
		// Two batches: the first worker ready must not queue the second one (its second slot) while
		// the other worker is still starting, or neither batch could finish (each waits for a
		// batch to start on another worker).
		const stage = new FirstWorkerFirstStage();
		stage.dir = join(dir, `meet-${isolation}`);
		stage.meet = true;
		await mkdir(stage.dir);
		const result = await new Pipeline({ name: "p", stages: [stage] }).run(
			new ActorPoolExecutor({ isolation, machine }),
			numbers([1], [2]),
		);
		expect(result.tasks).toHaveLength(2);
	});

	it("a worker that cannot be set up fails the run, also while another one runs batches; each worker set up is torn down", async () => {
		const stage = new FirstWorkerFirstStage();
		stage.dir = join(dir, `late-${isolation}`);
		stage.journal = join(stage.dir, "journal");
		stage.failLate = true;
		await mkdir(stage.dir);
		const run = new Pipeline({ name: "p", stages: [stage] }).run(
			new ActorPoolExecutor({ isolation, machine, numSetupAttempts: 2 }),
			numbers([1], [2], [3], [4]),
		);
		await expect(run).rejects.toThrow(
			/stage "FirstWorkerFirstStage": worker setup failed after 2 attempt\(s\): only the first worker may start/,
		);
		const lines = (await readFile(stage.journal, "utf8")).trim().split("\n");
		expect(lines).toEqual([expect.stringMatching(/^setup FirstWorkerFirstStage-\d$/), "teardown"]);
	});

	it("a crashed worker whose replacement cannot be set up fails the run, also for the batches waiting for it", async () => {
		const stage = new FirstWorkerFirstStage();
		stage.dir = join(dir, `replace-${isolation}`);
		stage.failLate = true;
		stage.crashOn = 13;
		await mkdir(stage.dir);
		const run = new Pipeline({ name: "p", stages: [stage] }).run(
			new ActorPoolExecutor({ isolation, machine, maxWorkersPerStage: 1, numSetupAttempts: 1 }),
			numbers([13], [2], [3]),
		);
		await expect(run).rejects.toThrow(/worker setup failed after 1 attempt\(s\): only the first/);
	});

	it("fails clearly when setup keeps failing, leaving no worker", async () => {
		const run = new Pipeline({ name: "p", stages: [new FailingSetupStage()] }).run(
			new ActorPoolExecutor({ isolation, machine, numSetupAttempts: 2 }),
			numbers([1]),
		);
		await expect(run).rejects.toThrow(
			/stage "FailingSetupStage": worker setup failed after 2 attempt\(s\): no model here/,
		);
	});

	it("when setupOnNode keeps failing, the workers started beside it never run setup", async () => {
		const journal = join(dir, `journal-node-${isolation}`);
		const stage = new FailingNodeSetupStage();
		stage.journal = journal;
		const run = new Pipeline({ name: "p", stages: [stage] }).run(
			new ActorPoolExecutor({ isolation, machine, numSetupAttempts: 2 }),
			numbers([1], [2], [3], [4]),
		);
		await expect(run).rejects.toThrow(
			/stage "FailingNodeSetupStage": worker setup failed after 2 attempt\(s\): no shared model/,
		);
		const lines = (await readFile(journal, "utf8")).trim().split("\n");
		expect(lines).toEqual(["setupOnNode", "setupOnNode"]);
	});
});

describe("worker reuse between stages", () => {
	it("the next stage runs on the previous stage's processes, after its teardown", async () => {
		const journal = join(dir, "journal-reuse");
		const first = new MathStage();
		const second = new MathStage();
		first.journal = journal;
		second.journal = journal;
		const pids = new Map<string, Set<number>>();
		const result = await new Pipeline({ name: "p", stages: [first, second] }).run(
			new ActorPoolExecutor({ machine }),
			numbers([1], [2], [3], [4]),
			{
				onEvent: (e) => {
					if (e.type === "worker:start" && e.pid !== undefined) {
						pids.set(e.stage, (pids.get(e.stage) ?? new Set()).add(e.pid));
					}
				},
			},
		);
		expect(result.tasks).toHaveLength(4);
		expect([...(pids.get("MathStage#2") ?? [])].sort()).toEqual(
			[...(pids.get("MathStage") ?? [])].sort(),
		);
		const lines = (await readFile(journal, "utf8")).trim().split("\n");
		const secondStageStart = lines.indexOf("setupOnNode", 1);
		const firstTeardowns = lines.slice(0, secondStageStart);
		expect(lines.filter((l) => l === "teardown")).toHaveLength(4);
		expect(firstTeardowns.filter((l) => l === "teardown")).toHaveLength(2);
	});
});

describe("ActorPoolExecutor configuration", () => {
	it.each([
		[{ maxWorkersPerStage: 0 }, /maxWorkersPerStage must be a whole number >= 1/],
		[{ numRunAttempts: 1.5 }, /numRunAttempts must be a whole number/],
		[{ slotsPerWorker: 0 }, /slotsPerWorker must be a whole number >= 1/],
		[{ isolation: "fiber" }, /isolation must be "process" or "thread"/],
		[{ keepEncoded: "no" }, /actor-pool: keepEncoded must be true or false/],
		[{ maxWorkerPerStage: 2 }, /actor-pool: unknown config key "maxWorkerPerStage"/],
	])("rejects %j", (config, message) => {
		expect(() => new ActorPoolExecutor(config as never)).toThrow(message);
	});

	it.each([
		[
			{ numSetupAttempts: 0 },
			"backend.actorPool.numSetupAttempts must be a whole number >= 1, got 0",
		],
		[{ fuse: 1 }, "backend.actorPool.fuse must be true or false"],
		[{ numRunAtempts: 2 }, "unknown option backend.actorPool.numRunAtempts"],
	])("rejects the stage options %j before any worker starts", async (actorPool, problem) => {
		const journal = join(dir, "options-journal");
		const stage = new MathStage().with({ name: "X", backend: { actorPool: actorPool as never } });
		stage.journal = journal;
		const run = new Pipeline({ name: "p", stages: [stage] }).run(
			new ActorPoolExecutor({ machine }),
			numbers([1]),
		);
		await expect(run).rejects.toMatchObject({
			code: "CURATOR_INVALID_CONFIG",
			message: `actor-pool: stage "X": ${problem}`,
		});
		await expect(readFile(journal, "utf8")).rejects.toThrow(/ENOENT/);
	});

	it.each([
		[{ nvdecs: 1 }, "nvdecs"],
		[{ nvencs: 2 }, "nvencs"],
		[{ gpus: 1, entireGpu: true }, "entireGpu"],
	])("refuses %j, which it cannot place, before any work", async (resources, kind) => {
		const stage = new MathStage().with({ name: "Codec", resources });
		const run = new Pipeline({ name: "p", stages: [stage] }).run(
			new ActorPoolExecutor({ machine: { cpus: 2, gpus: 2 } }),
			numbers([1]),
		);
		await expect(run).rejects.toThrow(`actor-pool: stage "Codec" asks for ${kind},`);
	});

	it("fails before any work when a GPU stage meets a machine without GPUs", async () => {
		const journal = join(dir, "gpu-journal");
		const gpuStage = new MathStage().with({ resources: { gpus: 1 } });
		gpuStage.journal = journal;
		const run = new Pipeline({ name: "p", stages: [new MathStage(), gpuStage] }).run(
			new ActorPoolExecutor({ machine }),
			numbers([1]),
		);
		await expect(run).rejects.toThrow(
			/actor-pool: stage "MathStage#2" needs 1 GPU\(s\) per worker and this machine has no GPU/,
		);
		await expect(readFile(journal, "utf8")).rejects.toThrow(/ENOENT/);
	});
});
