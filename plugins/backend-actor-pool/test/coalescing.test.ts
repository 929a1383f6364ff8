import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor } from "@curator/backend-local";
import { childProcessesOf } from "@curator/conformance";
import { type BatchCallStats, Pipeline, StageError, type Task } from "@curator/core";
import { StagePool } from "@curator/runtime";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Coalescer } from "../src/coalescing.ts";
import { ActorPoolExecutor } from "../src/index.ts";
import { AddStage, CrashStage, numbers } from "./fixtures/stages.ts";

const machine = { cpus: 2, gpus: 0 };
let dir = "";
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "curator-coalesce-"));
});
afterEach(async () => {
	vi.restoreAllMocks();
	await rm(dir, { recursive: true, force: true });
	expect(childProcessesOf().map((p) => p.pid)).toEqual([]);
});

const stats = (processTimeS: number): BatchCallStats[] => [
	{
		stage: "s",
		tasksIn: 1,
		tasksOut: 1,
		itemsIn: 1,
		itemsOut: 1,
		perf: {
			stageName: "s",
			batchId: "0",
			processTimeS,
			idleTimeS: 0,
			inputSizeBytes: 0,
			numItemsProcessed: 1,
			numTasksProcessed: 1,
			perItemTimeS: processTimeS,
			customMetrics: {},
		},
		inputIds: ["0"],
		outputIds: ["0_0"],
		filteredIds: [],
	},
];

describe("Coalescer", () => {
	it("sends one batch per message until every lane has seen one come back", () => {
		const coalescer = new Coalescer(64, 2);
		expect(coalescer.next(10_000)).toBe(1);
		coalescer.observe(stats(0.0001));
		expect(coalescer.next(10_000)).toBe(1);
		coalescer.observe(stats(0.0001));
		expect(coalescer.next(10_000)).toBe(64);
	});

	it("fits about 200 ms of stage time in a message, and keeps the last messages small", () => {
		const coalescer = new Coalescer(1000, 2);
		coalescer.observe(stats(0.001));
		coalescer.observe(stats(0.001));
		expect(coalescer.next(100_000)).toBe(200);
		// An eighth of what is left per lane: 48 / (2 lanes x 8).
		expect(coalescer.next(48)).toBe(3);
		expect(coalescer.next(15)).toBe(1);
		const twentyMs = new Coalescer(64, 2);
		twentyMs.observe(stats(0.02));
		twentyMs.observe(stats(0.02));
		expect(twentyMs.next(10_000)).toBe(10);
		const ninetyMs = new Coalescer(64, 1);
		ninetyMs.observe(stats(0.09));
		expect(ninetyMs.next(10_000)).toBe(2);
	});

	it("never groups slow batches, nor anything when the maximum is 1", () => {
		const slow = new Coalescer(64, 1);
		slow.observe(stats(0.11));
		expect(slow.next(10_000)).toBe(1);
		const off = new Coalescer(1, 1);
		off.observe(stats(0));
		expect(off.next(10_000)).toBe(1);
	});
});

const view = (tasks: Task[]) =>
	tasks.map((t) => [t.taskId, t.data, t.stagePerf.map((p) => p.stageName)]);
/** Enough one-task batches that most of them share messages. */
const input = () => numbers(...Array.from({ length: 400 }, (_, i) => [i + 1]));

function crashing(options: Partial<Pick<CrashStage, "everyAttempt">>): Pipeline {
	const crash = new CrashStage();
	crash.victim = 300;
	crash.markerDir = dir;
	Object.assign(crash, options);
	return new Pipeline({ name: "crash", stages: [new AddStage(), crash] });
}

describe.each(["process", "thread"] as const)("coalesced messages (%s isolation)", (isolation) => {
	const executor = (extra: Partial<ConstructorParameters<typeof ActorPoolExecutor>[0]> = {}) =>
		new ActorPoolExecutor({
			isolation,
			machine,
			maxBatchesPerMessage: 8,
			fuseStages: false,
			...extra,
		});

	it("carry several batches each, with backend-local's outputs, ids and counts", async () => {
		const grouped = vi.spyOn(StagePool.prototype, "processEach");
		const pipeline = new Pipeline({ name: "p", stages: [new AddStage(), new AddStage()] });
		const local = await pipeline.run(new LocalExecutor({ machine }), input());
		const pooled = await pipeline.run(executor(), input());
		expect(view(pooled.tasks)).toEqual(view(local.tasks));
		const counts = (r: typeof local) =>
			r.summary.stages.map((s) => [s.stage, s.batches, s.tasksIn, s.tasksOut]);
		expect(counts(pooled)).toEqual(counts(local));
		const sizes = grouped.mock.calls.map(([batches]) => batches.length);
		expect(sizes.length).toBeGreaterThan(0);
		expect(Math.max(...sizes)).toBe(8);
	});

	it("send every batch alone with maxBatchesPerMessage 1 or without retries", async () => {
		const grouped = vi.spyOn(StagePool.prototype, "processEach");
		const pipeline = new Pipeline({ name: "p", stages: [new AddStage()] });
		await pipeline.run(executor({ maxBatchesPerMessage: 1 }), input());
		await pipeline.run(executor({ numRunAttempts: 1 }), input());
		expect(grouped).not.toHaveBeenCalled();
	});

	it("after a crash in a shared message, run its batches alone: the run succeeds as on backend-local", async () => {
		const retries: string[] = [];
		const result = await crashing({}).run(executor(), input(), {
			onEvent: (e) => {
				if (e.type === "retry") retries.push(`${e.taskIds.length} ${e.reason}`);
			},
		});
		const reference = await crashing({}).run(new LocalExecutor({ machine }), input());
		expect(view(result.tasks)).toEqual(view(reference.tasks));
		// The message that crashed, and maybe the one queued behind it on the same worker.
		expect(retries.length).toBeGreaterThanOrEqual(1);
		expect(retries.length).toBeLessThanOrEqual(2);
		for (const retry of retries) {
			expect(retry).toMatch(
				/^\d+ worker CrashStage-\d+ exit code 9 during a message of \d+ batches/,
			);
		}
		expect(result.failures).toEqual([]);
	});

	it("a batch that kills its worker on every attempt is the only one named", async () => {
		expect.assertions(3);
		try {
			await crashing({ everyAttempt: true }).run(executor(), input());
		} catch (error) {
			expect(error).toBeInstanceOf(StageError);
			const e = error as StageError;
			expect(e.taskIds).toEqual(["0_298_0"]);
			expect(e.attempts).toBe(2);
		}
	});

	it("with ignoreFailures, the report lists exactly the culprit's tasks and the rest come out", async () => {
		const result = await crashing({ everyAttempt: true }).run(
			executor({ ignoreFailures: true }),
			input(),
		);
		expect(result.failures.map((f) => [f.stage, f.taskIds, f.attempts])).toEqual([
			["CrashStage", ["0_298_0"], 2],
		]);
		expect(result.tasks).toHaveLength(399);
	});
});
