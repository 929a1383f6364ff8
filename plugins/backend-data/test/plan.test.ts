import { BARRIER_BATCH_SIZE, Pipeline, type RunEvent } from "@curator/core";
import { describe, expect, it } from "vitest";
import { DataExecutor, describePlan, type ExecutionPlan, planExecution } from "../src/index.ts";
import {
	GateStage,
	JournalStage,
	numbers,
	SplitStage,
	SquareStage,
	SumStage,
} from "./fixtures/stages.ts";

const machine = { cpus: 2, gpus: 0 };
const plan = (stages: unknown[], config = {}) =>
	new DataExecutor({ machine, ...config }).plan(stages);
const shape = (p: ExecutionPlan) => p.operators.map((op) => `${op.kind}:${op.name}`);

describe("execution plan", () => {
	it("fuses adjacent stateless stages, keeps actors and the source apart", () => {
		const p = plan([
			new SquareStage(),
			new SplitStage(),
			new SumStage(),
			new JournalStage(),
			new SquareStage(),
		]);
		expect(shape(p)).toEqual([
			"tasks:SquareStage",
			"tasks:SplitStage+SumStage",
			"actors:JournalStage",
			"tasks:SquareStage#2",
		]);
		expect(p.operators.map((op) => op.poolStages)).toEqual([[0], [1, 2], [0], [3]]);
		expect(p.pools.map((pool) => [pool.name, pool.kind, pool.stages])).toEqual([
			["tasks", "tasks", ["SquareStage", "SplitStage", "SumStage", "SquareStage#2"]],
			["JournalStage", "actors", ["JournalStage"]],
		]);
		expect(p.operators.map((op) => op.source)).toEqual([true, false, false, false]);
	});

	it("does not fuse across fuse: false, other fault policies, or with fusion off", () => {
		const optOut = new SumStage({ backend: { data: { fuse: false } } });
		expect(shape(plan([new SquareStage(), new SplitStage(), optOut]))).toEqual([
			"tasks:SquareStage",
			"tasks:SplitStage",
			"tasks:SumStage",
		]);
		const lenient = new SumStage({ backend: { data: { ignoreFailures: true } } });
		expect(shape(plan([new SquareStage(), new SplitStage(), lenient]))).toHaveLength(3);
		expect(
			shape(plan([new SquareStage(), new SplitStage(), new SumStage()], { fuseStages: false })),
		).toHaveLength(3);
	});

	it("never fuses a barrier after another stage: it must get the whole input in one call", () => {
		const barrier = new SumStage({ batchSize: BARRIER_BATCH_SIZE });
		expect(shape(plan([new SquareStage(), new SplitStage(), barrier, new SquareStage()]))).toEqual([
			"tasks:SquareStage",
			"tasks:SplitStage",
			"tasks:SumStage+SquareStage#2",
		]);
	});

	it("decides tasks vs actors from setup, the stateless option, numWorkers and GPUs", () => {
		const stateless = new JournalStage({ backend: { data: { stateless: true } } });
		const actor = new SumStage({ backend: { data: { stateless: false } } });
		const p = plan([new SquareStage(), stateless, actor]);
		expect(p.operators.map((op) => op.kind)).toEqual(["tasks", "tasks", "actors"]);
		const gpu = new SumStage({ resources: { gpus: 1 } });
		const gpuPlan = planExecution([gpu], { config: {}, machine: { cpus: 8, gpus: 4 } });
		expect(gpuPlan.operators[0]?.kind).toBe("actors");
		expect(gpuPlan.pools[0]?.maxWorkers).toBe(4);
	});

	it("sizes pools within maxWorkers (default: the cores), every pool at least one worker", () => {
		const p = plan([new SquareStage(), new JournalStage({ backend: { data: { maxWorkers: 5 } } })]);
		expect(p.maxWorkers).toBe(2);
		expect(p.pools.map((pool) => [pool.minWorkers, pool.maxWorkers])).toEqual([
			[1, 2],
			[1, 2],
		]);
		const big = { maxWorkers: 4, machine: { cpus: 8, gpus: 0 } };
		const fixed = plan(
			[new GateStage(), new JournalStage({ backend: { data: { minWorkers: 2 } } })],
			big,
		);
		expect(fixed.pools.map((pool) => [pool.name, pool.minWorkers, pool.maxWorkers])).toEqual([
			["GateStage", 1, 4],
			["JournalStage", 2, 4],
		]);
		const cores = plan([new GateStage()], { maxWorkers: 4 });
		expect(cores.pools[0]?.maxWorkers).toBe(2);
		const crowded = plan([new JournalStage(), new GateStage(), new SquareStage()], {
			maxWorkers: 2,
		});
		expect(crowded.maxWorkers).toBe(3);
		expect(crowded.warnings[0]).toMatch(/needs 3 pools of at least one worker/);
	});

	it("splits the visible GPUs among GPU stages, which run at the same time", () => {
		const gpuMachine = { cpus: 8, gpus: 2 };
		const embed = new SumStage({ name: "embed", resources: { gpus: 1 } });
		const classify = new JournalStage({ name: "classify", resources: { gpus: 0.5 } });
		const p = planExecution([embed, classify], { config: {}, machine: gpuMachine });
		const seats = p.pools.map((pool) => pool.gpuSeats.map((seat) => seat.devices.join(",")));
		// Alone, each would start on device 0; here they never share one.
		expect(seats).toEqual([["0"], ["1", "1"]]);
		expect(p.pools.map((pool) => [pool.minWorkers, pool.maxWorkers])).toEqual([
			[1, 1],
			[1, 2],
		]);
		expect(p.warnings).toEqual([
			'GPU stage "embed" shares the visible GPUs [0,1] with the GPU stages running at the same time: 1 worker(s), 2 alone',
			'GPU stage "classify" shares the visible GPUs [0,1] with the GPU stages running at the same time: 2 worker(s), 4 alone',
		]);
		const alone = planExecution([classify], { config: {}, machine: gpuMachine });
		expect(alone.pools[0]?.gpuSeats.map((seat) => seat.devices[0])).toEqual(["0", "1", "0", "1"]);
		expect(alone.warnings).toEqual([]);
	});

	it("rejects GPU stages that cannot each get a worker when a run starts, before any worker", async () => {
		const stages = [
			new SumStage({ name: "embed", resources: { gpus: 1 } }),
			new JournalStage({ name: "classify", resources: { gpus: 1 } }),
		];
		const events: RunEvent[] = [];
		const run = new DataExecutor({ machine: { cpus: 8, gpus: 1 } }).run(stages, numbers([1]), {
			onEvent: (event) => events.push(event),
		});
		await expect(run).rejects.toMatchObject({
			code: "CURATOR_UNSATISFIABLE_RESOURCES",
			message:
				'data: GPU stage(s) "embed" (1 GPU(s) per worker), "classify" (1 GPU(s) per worker) run at the same time and cannot each get one worker on the visible GPUs [0]',
		});
		expect(events.filter((e) => e.type === "worker:start")).toEqual([]);
	});

	it("bounds each queue in batches of the larger batch size of consumer and producer", () => {
		const p = plan([new SquareStage({ batchSize: 5 }), new JournalStage({ batchSize: 2 })], {
			maxQueuedBatches: 3,
			maxQueuedBytes: 1000,
		});
		expect(p.operators.map((op) => op.queue)).toEqual([
			null,
			{ maxBatches: 3, maxTasks: 15, maxBytes: 1000 },
		]);
		const own = plan([
			new SquareStage(),
			new JournalStage({ backend: { data: { maxQueuedBatches: 7 } } }),
		]);
		expect(own.operators[1]?.queue?.maxTasks).toBe(7);
	});

	it("leaves the queue of a barrier stage (one call over its whole input) unbounded, and says so", () => {
		const p = plan([new SquareStage(), new JournalStage({ batchSize: Number.MAX_SAFE_INTEGER })], {
			maxQueuedBytes: 1000,
		});
		expect(p.operators[1]?.queue?.maxBytes).toBe(Number.POSITIVE_INFINITY);
		expect(p.operators[1]?.queue?.maxTasks).toBe(Number.POSITIVE_INFINITY);
		expect(describePlan(p)).toContain("JournalStage: actors on JournalStage, batch");
		expect(describePlan(p)).toContain("unbounded queue (barrier)");
		const bounded = plan([new SquareStage(), new JournalStage({ batchSize: 1000 })], {
			maxQueuedBytes: 1000,
		});
		expect(bounded.operators[1]?.queue?.maxBytes).toBe(1000);
		expect(describePlan(bounded)).not.toContain("barrier");
	});

	it("never shows a sentinel number: a barrier batches all tasks, a bound past it is unbounded", () => {
		const text = describePlan(
			plan([
				new SquareStage(),
				new JournalStage({ batchSize: Number.MAX_SAFE_INTEGER }),
				new SquareStage(),
			]),
		);
		expect(text).toContain("JournalStage: actors on JournalStage, batch all tasks");
		expect(text).toContain("SquareStage#2: tasks on tasks, batch 1, queue of at most 64 MiB\n");
		expect(text).not.toMatch(/\d{10,}/);
	});

	it("describes itself in readable lines", () => {
		const text = describePlan(
			plan([new SquareStage(), new SplitStage(), new SumStage(), new JournalStage()]),
		);
		expect(text).toContain("data: 3 operator(s) on 2 pool(s), at most 2 worker(s)");
		expect(text).toContain(
			"SplitStage+SumStage: tasks on tasks fused(SplitStage, SumStage), batch 1",
		);
		expect(text).toContain("pool JournalStage (actors): 1..2 worker(s)");
	});

	it("is logged at the start of a run and reported as an event", async () => {
		const events: RunEvent[] = [];
		await new Pipeline({
			name: "p",
			stages: [new SquareStage(), new SplitStage(), new SumStage()],
		}).run(new DataExecutor({ machine }), numbers([1, 2]), { onEvent: (e) => events.push(e) });
		const log = events.find((e) => e.type === "log" && e.message.startsWith("data: "));
		expect(log?.type === "log" && log.message).toContain("fused(SplitStage, SumStage)");
		const logged = log?.type === "log" ? (log.fields?.plan as ExecutionPlan) : undefined;
		expect(logged?.operators.map((op) => op.name)).toEqual(["SquareStage", "SplitStage+SumStage"]);
	});
});

describe("validation before any work", () => {
	it.each([
		[{ maxWorkers: 0 }, /data: maxWorkers must be a whole number >= 1/],
		[{ maxQueuedBatches: 1.5 }, /maxQueuedBatches must be a whole number/],
		[{ isolation: "fiber" }, /isolation must be "process" or "thread"/],
		[{ fuseStages: "yes" }, /fuseStages must be true or false/],
		[{ maxWorker: 2 }, /unknown config key "maxWorker"/],
	])("rejects the config %j", (config, message) => {
		expect(() => new DataExecutor(config as never)).toThrow(message);
	});

	it.each([
		[{ minWorkers: 3, maxWorkers: 2 }, /minWorkers is larger than backend.data.maxWorkers/],
		[{ maxQueuedBytes: 0 }, /backend.data.maxQueuedBytes must be a whole number >= 1/],
		[{ statless: true }, /unknown option backend.data.statless/],
	])("rejects the stage options %j", (data, message) => {
		const stage = new SquareStage({ backend: { data: data as never } });
		expect(() => plan([stage])).toThrow(message);
	});

	it("rejects a stage's bad options when a run starts, before any worker", async () => {
		const stage = new SquareStage({ backend: { data: { numSetupAttempts: 0 } } });
		const events: RunEvent[] = [];
		const run = new DataExecutor({ machine }).run([stage], numbers([1]), {
			onEvent: (event) => events.push(event),
		});
		await expect(run).rejects.toThrow(
			'data: stage "SquareStage": backend.data.numSetupAttempts must be a whole number >= 1, got 0',
		);
		expect(events.filter((e) => e.type === "worker:start")).toEqual([]);
	});

	it.each([
		[{ nvdecs: 1 }, "nvdecs"],
		[{ nvencs: 1 }, "nvencs"],
		[{ gpus: 1, entireGpu: true }, "entireGpu"],
	])("refuses %j, which it cannot place, when a run starts", async (resources, kind) => {
		const stage = new SquareStage({ resources });
		const run = new DataExecutor({ machine: { cpus: 2, gpus: 2 } }).run([stage], numbers([1]));
		await expect(run).rejects.toThrow(`data: stage "SquareStage" asks for ${kind},`);
	});

	it("rejects what the machine cannot meet, naming the stage", () => {
		expect(() => plan([new SquareStage(), new SumStage({ resources: { cpus: 4 } })])).toThrow(
			/data: stage "SumStage" asks for 4 cpus and 0 gpus per worker; this machine has 2 cpus/,
		);
		expect(() => plan([new SumStage({ resources: { gpus: 1 } })])).toThrow(
			/data: stage "SumStage" needs 1 GPU\(s\) per worker and this machine has no GPU/,
		);
	});
});
