import { describe, expect, it } from "vitest";
import {
	BaseExecutor,
	BaseStageAdapter,
	CuratorError,
	type ExecutionContext,
	Pipeline,
	PreflightError,
	type ProcessingStage,
	type RunEvent,
	type Task,
} from "../src/index.ts";
import { DoubleStage, DropOddStage, numbers, SplitStage } from "./fixtures.ts";

/** The smallest correct executor: one adapter per stage, one batch per task. */
class RecordingExecutor extends BaseExecutor {
	seen: { stages: ProcessingStage[]; tasks: Task[] } | undefined;
	constructor() {
		super(
			{},
			{
				backend: "recording",
				supports: {
					multiNode: false,
					processIsolation: false,
					abort: true,
					retries: false,
					ignoreFailures: false,
					streaming: false,
				},
			},
		);
	}
	protected override async executeStages(
		stages: ProcessingStage[],
		tasks: Task[],
		ctx: ExecutionContext,
	) {
		this.seen = { stages, tasks: [...tasks] };
		let current = tasks;
		for (const stage of stages) {
			const adapter = new BaseStageAdapter(stage);
			const next: Task[] = [];
			for (const task of current) {
				ctx.throwIfAborted();
				next.push(...(await adapter.processBatch([task], { isSource: stage.role === "source" })));
			}
			current = next;
		}
		return current;
	}
}

describe("Pipeline", () => {
	it("rejects an empty pipeline at build", () => {
		expect(() => new Pipeline({ name: "empty" }).build()).toThrow(/needs at least one stage/);
	});

	it("rejects a non-stage in addStage", () => {
		const pipeline = new Pipeline({ name: "p" });
		expect(() => pipeline.addStage({ process() {} } as never)).toThrow(CuratorError);
		expect(() => pipeline.addStage({ process() {} } as never)).toThrow(/expects a ProcessingStage/);
	});

	it("rejects two explicit sources and two explicit sinks", () => {
		const sources = new Pipeline({
			name: "p",
			stages: [new DoubleStage({ role: "source" }), new SplitStage({ role: "source" })],
		});
		expect(() => sources.build()).toThrow(/more than one explicit source: DoubleStage, SplitStage/);
		const sinks = new Pipeline({
			name: "p",
			stages: [new DoubleStage({ role: "sink" }), new SplitStage({ role: "sink" })],
		});
		expect(() => sinks.build()).toThrow(/more than one explicit sink/);
	});

	it("assigns source and sink roles, honouring an explicit one", () => {
		const implicit = new Pipeline({
			name: "p",
			stages: [new SplitStage(), new DoubleStage(), new DropOddStage()],
		});
		expect(implicit.build().map((s) => s.role)).toEqual(["source", undefined, "sink"]);
		const explicit = new Pipeline({
			name: "p",
			stages: [new SplitStage(), new DoubleStage({ role: "source" }), new DropOddStage()],
		});
		expect(explicit.build().map((s) => s.role)).toEqual([undefined, "source", "sink"]);
	});

	it("validates stage settings at build", () => {
		const bad = new Pipeline({ name: "p", stages: [new DoubleStage({ batchSize: 0 })] });
		expect(() => bad.build()).toThrow(/pipeline "p": .*batchSize must be a whole number >= 1/);
	});

	it("makes repeated stage names unique without touching the user's stages", () => {
		const a = new DoubleStage();
		const stages = new Pipeline({ name: "p", stages: [a, new DoubleStage()] }).build();
		expect(stages.map((s) => s.name)).toEqual(["DoubleStage", "DoubleStage#2"]);
		expect(a.role).toBeUndefined();
	});

	it("describes its execution stages", () => {
		const text = new Pipeline({
			name: "demo",
			stages: [new SplitStage(), new DoubleStage({ batchSize: 3 })],
		}).describe();
		expect(text).toContain('Pipeline "demo" (2 stages)');
		expect(text).toContain("1. SplitStage [source] batchSize=1 cpus=1");
		expect(text).toContain("2. DoubleStage [sink] batchSize=3 cpus=1");
	});

	it("runs on an executor, giving initial tasks root ids 0_i", async () => {
		const executor = new RecordingExecutor();
		const pipeline = new Pipeline({ name: "p", stages: [new DoubleStage()] });
		const result = await pipeline.run(executor, numbers([1], [2, 3]));
		expect(executor.seen?.tasks.map((t) => t.taskId)).toEqual(["0_0", "0_1"]);
		expect(result.tasks.map((t) => [t.taskId, t.data])).toEqual([
			["0_0_0", [2]],
			["0_1_0", [4, 6]],
		]);
		expect(result.failures).toEqual([]);
		expect(result.summary.ok).toBe(true);
		expect(result.summary.backend).toBe("recording");
	});

	it("rejects an initial task that is not a Task, naming its index, before running a stage", async () => {
		const executor = new RecordingExecutor();
		const [first] = numbers([1]);
		const bad = [first, { data: [2] }] as unknown as Task[];
		await expect(
			new Pipeline({ name: "p", stages: [new DoubleStage()] }).run(executor, bad),
		).rejects.toThrow(/initial task 1 is not a Task/);
		expect(executor.seen).toBeUndefined();
	});

	it("starts from EmptyTask (id 0) without initial tasks", async () => {
		const executor = new RecordingExecutor();
		await new Pipeline({ name: "p", stages: [new DoubleStage()] }).run(executor).catch(() => {});
		expect(executor.seen?.tasks.map((t) => t.taskId)).toEqual(["0"]);
	});

	it("runs every stage's preflight() before any stage, and stops at the first failure", async () => {
		const calls: string[] = [];
		class Checked extends DoubleStage {
			failWith: string | undefined;
			override async preflight(): Promise<void> {
				calls.push(this.name);
				if (this.failWith !== undefined) throw new Error(this.failWith);
			}
		}
		const ok = new Checked();
		const bad = new Checked({ name: "Bad" });
		bad.failWith = "EACCES: permission denied, mkdir '/out'";
		const executor = new RecordingExecutor();
		const events: RunEvent[] = [];
		const run = new Pipeline({ name: "p", stages: [ok, bad, new Checked({ name: "Later" })] }).run(
			executor,
			numbers([1]),
			{ onEvent: (event) => events.push(event) },
		);
		await expect(run).rejects.toBeInstanceOf(PreflightError);
		await expect(run).rejects.toMatchObject({
			code: "CURATOR_PREFLIGHT_FAILED",
			stage: "Bad",
			message: `stage "Bad" failed its pre-flight check: EACCES: permission denied, mkdir '/out'`,
		});
		expect(calls).toEqual(["Checked", "Bad"]);
		expect(executor.seen, "no stage ran").toBeUndefined();
		expect(events.at(-1)).toMatchObject({ type: "run:end", ok: false });
	});

	it("a pre-aborted signal rejects before any work", async () => {
		const executor = new RecordingExecutor();
		const controller = new AbortController();
		controller.abort("stop");
		const run = new Pipeline({ name: "p", stages: [new DoubleStage()] }).run(
			executor,
			numbers([1]),
			{
				signal: controller.signal,
			},
		);
		await expect(run).rejects.toMatchObject({ code: "CURATOR_ABORTED" });
		expect(executor.seen).toBeUndefined();
	});
});

describe("BaseExecutor", () => {
	it("reads ignoreHeadNode from config, else from CURATOR_IGNORE_RAY_HEAD_NODE", () => {
		const before = process.env.CURATOR_IGNORE_RAY_HEAD_NODE;
		try {
			process.env.CURATOR_IGNORE_RAY_HEAD_NODE = "1";
			expect(new RecordingExecutor().ignoreHeadNode).toBe(true);
			process.env.CURATOR_IGNORE_RAY_HEAD_NODE = "0";
			expect(new RecordingExecutor().ignoreHeadNode).toBe(false);
		} finally {
			if (before === undefined) delete process.env.CURATOR_IGNORE_RAY_HEAD_NODE;
			else process.env.CURATOR_IGNORE_RAY_HEAD_NODE = before;
		}
	});

	it("rejects a config that is not an object, naming the backend", () => {
		class Bad extends RecordingExecutor {}
		expect(() =>
			Reflect.construct(BaseExecutor, [null, { backend: "x", supports: {} }], Bad),
		).toThrow(/x: config must be an object/);
	});
});
