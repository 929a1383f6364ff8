import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalExecutor } from "@curator/backend-local";
import { Pipeline, type RunEvent } from "@curator/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataExecutor } from "../src/index.ts";
import { childPids, tempDir, view } from "./fixtures/helpers.ts";
import {
	GateStage,
	JournalStage,
	numbers,
	rows,
	SquareStage,
	SumStage,
} from "./fixtures/stages.ts";

const machine = { cpus: 2, gpus: 0 };
let dir = "";
let remove = async () => {};
beforeEach(async () => {
	({ dir, remove } = await tempDir());
});
afterEach(async () => {
	await remove();
	expect(childPids()).toEqual([]);
});

type Log = Extract<RunEvent, { type: "log" }>;
const isPause = (e: RunEvent, operator: string): e is Log =>
	e.type === "log" && e.message === "backpressure: paused" && e.fields?.operator === operator;

/** A source feeding a last stage that holds every batch until the test opens its gate. */
function gated(options: { gateMaxWorkers?: number } = {}): { pipeline: Pipeline; gate: string } {
	const gate = join(dir, "gate");
	const stage = new GateStage({
		backend: { data: { minWorkers: 1, maxWorkers: options.gateMaxWorkers ?? 1 } },
	});
	stage.gateFile = gate;
	return { pipeline: new Pipeline({ name: "p", stages: [new SquareStage(), stage] }), gate };
}

describe("streaming", () => {
	it("delivers a final-stage output before the source has produced its last task", async () => {
		const executor = new DataExecutor({ machine, maxQueuedBatches: 1 });
		const stages = () => [new SquareStage(), new SumStage(), new JournalStage()];
		const order: string[] = [];
		let producedAtFirstOutput = -1;
		const result = await new Pipeline({ name: "p", stages: stages() }).run(
			executor,
			numbers(...rows(50, 20)),
			{
				onEvent: (e) => {
					if (e.type !== "batch:done") return;
					order.push(e.stage);
					if (e.stage === "JournalStage" && producedAtFirstOutput === -1) {
						producedAtFirstOutput = executor.metrics?.source.produced ?? -1;
					}
				},
			},
		);
		expect(order.indexOf("JournalStage")).toBeLessThan(order.lastIndexOf("SquareStage"));
		expect(producedAtFirstOutput).toBeGreaterThan(0);
		expect(producedAtFirstOutput).toBeLessThan(50);
		const local = await new Pipeline({ name: "p", stages: stages() }).run(
			new LocalExecutor({ machine }),
			numbers(...rows(50, 20)),
		);
		expect(view(result.tasks)).toEqual(view(local.tasks));
		expect(executor.metrics?.peakWorkers).toBeLessThanOrEqual(2);
	});
});

describe("backpressure", () => {
	it("pauses the source while the next queue is full, within the configured bound", async () => {
		const executor = new DataExecutor({ machine, maxQueuedBatches: 2 });
		const { pipeline, gate } = gated();
		let producedAtPause = -1;
		let reason: unknown;
		const result = await pipeline.run(executor, numbers(...rows(30, 20)), {
			onEvent: (e) => {
				if (!isPause(e, "SquareStage") || producedAtPause !== -1) return;
				producedAtPause = executor.metrics?.source.produced ?? -1;
				reason = e.fields?.reason;
				writeFileSync(gate, "open");
			},
		});
		expect(result.tasks).toHaveLength(30);
		expect(reason).toBe("tasks");
		expect(producedAtPause).toBeGreaterThan(0);
		expect(producedAtPause).toBeLessThan(30);
		const metrics = executor.metrics;
		expect(metrics?.source.backlogBound).toBe(2);
		expect(metrics?.source.backlogHighWater).toBeGreaterThan(0);
		expect(metrics?.source.backlogHighWater).toBeLessThanOrEqual(2);
		expect(metrics?.operators[1]?.queueHighWater).toBeLessThanOrEqual(2);
		expect(metrics?.operators[0]?.pauses).toBeGreaterThanOrEqual(1);
	});

	it("holds the queue to its byte bound", async () => {
		const executor = new DataExecutor({ machine, maxQueuedBatches: 100, maxQueuedBytes: 1 });
		const { pipeline, gate } = gated();
		let reason: unknown;
		const result = await pipeline.run(executor, numbers(...rows(20, 20)), {
			onEvent: (e) => {
				if (!isPause(e, "SquareStage") || reason !== undefined) return;
				reason = e.fields?.reason;
				writeFileSync(gate, "open");
			},
		});
		expect(result.tasks).toHaveLength(20);
		expect(reason).toBe("bytes");
		expect(executor.metrics?.source.backlogHighWater).toBe(1);
	});
});

describe("actor pools", () => {
	it("grow between min and max workers with queue depth", async () => {
		const executor = new DataExecutor({ machine, maxWorkers: 3 });
		const { pipeline, gate } = gated({ gateMaxWorkers: 2 });
		expect(
			executor.plan(pipeline.build()).pools.map((p) => [p.name, p.minWorkers, p.maxWorkers]),
		).toEqual([
			["tasks", 1, 2],
			["GateStage", 1, 2],
		]);
		// Gate workers alive at once: the pool must reach its maximum (2) and never pass it.
		const live = new Set<string>();
		let most = 0;
		const result = await pipeline.run(executor, numbers(...rows(20, 20)), {
			onEvent: (e) => {
				if ((e.type !== "worker:start" && e.type !== "worker:exit") || e.stage !== "GateStage")
					return;
				if (e.type === "worker:start") live.add(e.workerId);
				else live.delete(e.workerId);
				most = Math.max(most, live.size);
				if (live.size === 2) writeFileSync(gate, "open");
			},
		});
		expect(result.tasks).toHaveLength(20);
		expect(most).toBe(2);
		expect(executor.metrics?.peakWorkers).toBeLessThanOrEqual(3);
	});

	it("recycle a worker after maxCallsPerWorker batches (setup and teardown for each)", async () => {
		const journal = join(dir, "journal");
		const stage = new JournalStage();
		stage.journal = journal;
		const result = await new Pipeline({ name: "p", stages: [stage] }).run(
			new DataExecutor({ machine, maxCallsPerWorker: 2 }),
			numbers(...rows(6)),
		);
		expect(result.tasks.map((t) => t.data)).toEqual(rows(6, 1));
		const lines = (await readFile(journal, "utf8")).trim().split("\n");
		const setups = lines.filter((l) => l.startsWith("setup "));
		expect(setups.length).toBeGreaterThanOrEqual(3);
		expect(lines.filter((l) => l.startsWith("teardown"))).toHaveLength(setups.length);
		const perWorker = new Map<string, number>();
		for (const line of lines.filter((l) => l.startsWith("process"))) {
			perWorker.set(line, (perWorker.get(line) ?? 0) + 1);
		}
		expect(Math.max(...perWorker.values())).toBeLessThanOrEqual(2);
	});
});

describe("worker reuse between pools", () => {
	it("a barrier's actor and the stages after it run on processes already started", async () => {
		const pipeline = new Pipeline({
			name: "p",
			stages: [
				new SquareStage(),
				new SumStage(),
				new JournalStage({ batchSize: Number.MAX_SAFE_INTEGER }),
				new SumStage(),
			],
		});
		const pids: number[] = [];
		const result = await pipeline.run(
			new DataExecutor({ machine, maxWorkers: 2 }),
			numbers(...rows(40)),
			{
				onEvent: (e) => {
					if (e.type === "worker:start" && e.pid !== undefined) pids.push(e.pid);
				},
			},
		);
		const local = await pipeline.run(new LocalExecutor({ machine }), numbers(...rows(40)));
		expect(view(result.tasks)).toEqual(view(local.tasks));
		// Workers started more often than processes: the barrier's actor (and the workers
		// after it) took over processes the other pool let go, never more than maxWorkers.
		expect(pids.length).toBeGreaterThan(new Set(pids).size);
		expect(new Set(pids).size).toBeLessThanOrEqual(2);
	});
});
