import { describe, expect, it } from "vitest";
import {
	CommitError,
	ErrorCodes,
	type Logger,
	Pipeline,
	type ProcessingStage,
	type RunEvent,
	type RunInfo,
	type Task,
} from "../src/index.ts";
import { DoubleStage, LoopExecutor, type NumberTask, numbers, ThrowStage } from "./fixtures.ts";

type HookCall = [
	hook: "preflight" | "process" | "commit" | "rollback",
	stage: string,
	runId?: string,
];

/** Records its run hooks (with the run id they got) and calls in `calls`. */
function hooked<S extends ProcessingStage>(stage: S, calls: HookCall[], runs: RunInfo[] = []): S {
	// Plain functions: the run's copies of the stage (renamed `Name#2`, ...) are their `this`.
	const record = (hook: HookCall[0]) =>
		function (this: ProcessingStage, run: RunInfo) {
			calls.push([hook, this.name, run.runId]);
			runs.push(run);
		};
	const process = stage.process;
	return Object.assign(stage, {
		preflight: record("preflight"),
		commit: record("commit"),
		rollback: record("rollback"),
		process(this: S, task: Task) {
			calls.push(["process", this.name]);
			return process.call(this, task as never);
		},
	});
}

describe("run hooks: commit after success, rollback after failure", () => {
	it("commits every stage in order after all stages finished, with the run's id and description", async () => {
		const calls: HookCall[] = [];
		const runs: RunInfo[] = [];
		const pipeline = new Pipeline({
			name: "p",
			description: "doubles twice",
			stages: [hooked(new DoubleStage(), calls, runs), hooked(new DoubleStage(), calls, runs)],
		});
		const result = await pipeline.run(new LoopExecutor(), numbers([1]), { runId: "run-1" });
		expect(result.runId).toBe("run-1");
		expect(calls).toEqual([
			["preflight", "DoubleStage", "run-1"],
			["preflight", "DoubleStage#2", "run-1"],
			["process", "DoubleStage"],
			["process", "DoubleStage#2"],
			["commit", "DoubleStage", "run-1"],
			["commit", "DoubleStage#2", "run-1"],
		]);
		expect(new Set(runs).size, "one RunInfo for every hook of the run").toBe(1);
		expect(runs[0]?.pipeline).toEqual({
			name: "p",
			description: "doubles twice",
			backend: "loop",
			stages: [
				{ name: "DoubleStage", className: "DoubleStage", role: "source", batchSize: 1 },
				{ name: "DoubleStage#2", className: "DoubleStage", role: "sink", batchSize: 1 },
			],
		});
	});

	it("generates a sortable run id when none is given, a new one per run", async () => {
		const executor = new LoopExecutor();
		const a = await executor.run([new DoubleStage()], numbers([1]));
		const b = await executor.run([new DoubleStage()], numbers([1]));
		expect(a.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
		expect(b.runId).not.toBe(a.runId);
	});

	it("rolls back, never commits, when a stage fails", async () => {
		const calls: HookCall[] = [];
		const stages = [hooked(new DoubleStage(), calls), hooked(new ThrowStage(), calls)];
		const run = new LoopExecutor().run(stages, numbers([1]), { runId: "r" });
		await expect(run).rejects.toMatchObject({ code: ErrorCodes.stageFailed });
		expect(calls.filter(([hook]) => hook === "commit" || hook === "rollback")).toEqual([
			["rollback", "DoubleStage", "r"],
			["rollback", "ThrowStage", "r"],
		]);
	});

	it("rolls back when the run is aborted after the last stage finished", async () => {
		const calls: HookCall[] = [];
		const controller = new AbortController();
		const executor = new LoopExecutor();
		executor.afterStages = () => controller.abort("stop");
		const run = executor.run([hooked(new DoubleStage(), calls)], numbers([1]), {
			signal: controller.signal,
		});
		await expect(run).rejects.toMatchObject({ code: ErrorCodes.aborted });
		expect(calls.map(([hook]) => hook)).toEqual(["preflight", "process", "rollback"]);
	});

	it("neither commits nor rolls back when a pre-flight check fails: nothing was staged", async () => {
		const calls: HookCall[] = [];
		const bad = hooked(new DoubleStage({ name: "Bad" }), calls);
		bad.preflight = () => {
			throw new Error("folder is used");
		};
		const run = new LoopExecutor().run([hooked(new DoubleStage(), calls), bad], numbers([1]));
		await expect(run).rejects.toMatchObject({ code: ErrorCodes.preflightFailed });
		expect(calls.map(([hook, stage]) => `${hook} ${stage}`)).toEqual(["preflight DoubleStage"]);
	});

	it("fails the run with CommitError when a commit fails, rolling back the stages not committed", async () => {
		expect.assertions(4);
		const calls: HookCall[] = [];
		const bad = hooked(new DoubleStage({ name: "Bad" }), calls);
		bad.commit = () => {
			throw new Error("ENOSPC: no space left on device");
		};
		const stages = [hooked(new DoubleStage(), calls), bad, hooked(new DoubleStage(), calls)];
		const events: RunEvent[] = [];
		try {
			await new LoopExecutor().run(stages, numbers([1]), { onEvent: (e) => events.push(e) });
		} catch (error) {
			expect(error).toBeInstanceOf(CommitError);
			expect(error).toMatchObject({
				code: "CURATOR_COMMIT_FAILED",
				stage: "Bad",
				message: 'stage "Bad" could not commit its output: ENOSPC: no space left on device',
			});
		}
		expect(calls.filter(([hook]) => hook === "commit" || hook === "rollback")).toEqual([
			["commit", "DoubleStage", expect.any(String)],
			["rollback", "Bad", expect.any(String)],
			["rollback", "DoubleStage#2", expect.any(String)],
		]);
		expect(events.at(-1)).toMatchObject({ type: "run:end", ok: false });
	});

	it("gives the caller the output tasks as every stage's publishedOutputs returns them, after all commits, in order", async () => {
		const calls: HookCall[] = [];
		const first = hooked(new DoubleStage(), calls);
		const sink = hooked(new DoubleStage(), calls);
		const seen: number[][] = [];
		first.publishedOutputs = (tasks) => {
			seen.push(tasks.flatMap((task) => (task as NumberTask).data));
			return tasks.map((task) => Object.assign(task, { data: [-1] }));
		};
		sink.publishedOutputs = async (tasks, run) => {
			calls.push(["published" as never, "DoubleStage#2", run.runId]);
			seen.push(tasks.flatMap((task) => (task as NumberTask).data));
			return [...tasks, ...numbers([7])];
		};
		const result = await new LoopExecutor().run([first, sink], numbers([1]), { runId: "r" });
		expect(seen, "each stage gets what the one before returned").toEqual([[4], [-1]]);
		expect(result.tasks.map((task) => (task as NumberTask).data)).toEqual([[-1], [7]]);
		expect(calls.slice(-3), "after every commit").toEqual([
			["commit", "DoubleStage", "r"],
			["commit", "DoubleStage#2", "r"],
			["published", "DoubleStage#2", "r"],
		]);
	});

	it("fails the run with CommitError when publishedOutputs fails, without rolling back the commit", async () => {
		const calls: HookCall[] = [];
		const sink = hooked(new DoubleStage({ name: "Sink" }), calls);
		sink.publishedOutputs = () => {
			throw new Error("manifest unreadable");
		};
		const run = new LoopExecutor().run([sink], numbers([1]), { runId: "r" });
		await expect(run).rejects.toMatchObject({
			code: ErrorCodes.commitFailed,
			stage: "Sink",
			message: 'stage "Sink" could not commit its output: manifest unreadable',
		});
		expect(calls.map(([hook]) => hook)).toEqual(["preflight", "process", "commit"]);
	});

	it("refuses a run id that cannot name a folder, before anything runs", async () => {
		const calls: HookCall[] = [];
		for (const runId of ["", "../up", "_temporary", "a/b", "x".repeat(101)]) {
			const run = new LoopExecutor().run([hooked(new DoubleStage(), calls)], numbers([1]), {
				runId,
			});
			await expect(run).rejects.toMatchObject({
				code: ErrorCodes.invalidConfig,
				message: expect.stringContaining('loop: run option "runId" must be'),
			});
		}
		expect(calls).toEqual([]);
	});

	it("logs a failing rollback and keeps the run's own error", async () => {
		const warnings: unknown[] = [];
		const calls: HookCall[] = [];
		const stage = hooked(new ThrowStage(), calls);
		stage.rollback = () => {
			throw new Error("EBUSY");
		};
		const logger: Logger = {
			debug() {},
			info() {},
			error() {},
			warn: (fields: object | string, message?: string) => warnings.push([fields, message]),
			child: () => logger,
		};
		const executor = new LoopExecutor({ logger });
		await expect(executor.run([stage], numbers([1]))).rejects.toMatchObject({
			code: ErrorCodes.stageFailed,
		});
		expect(warnings).toEqual([
			[
				expect.objectContaining({ stage: "ThrowStage" }),
				'stage "ThrowStage" could not roll back its output',
			],
		]);
	});
});
