import { LocalExecutor } from "@curator/backend-local";
import { childProcessesOf } from "@curator/conformance";
import { Pipeline, type ProcessingStage, type Task } from "@curator/core";
import { afterEach, describe, expect, it } from "vitest";
import { fuseStages } from "../src/fusion.ts";
import { ActorPoolExecutor } from "../src/index.ts";
import { AddStage, MathStage, numbers } from "./fixtures/stages.ts";

const machine = { cpus: 2, gpus: 0 };
afterEach(() => {
	expect(childProcessesOf().map((p) => p.pid)).toEqual([]);
});

const names = (groups: ProcessingStage[][]) => groups.map((group) => group.map((s) => s.name));

describe("fuseStages", () => {
	it("fuses runs of stateless neighbours with the same CPUs and fault policy", () => {
		const stages = [
			new AddStage({ name: "a" }),
			new AddStage({ name: "b", batchSize: 4 }),
			new MathStage({ name: "setup-of-its-own" }),
			new AddStage({ name: "c" }),
			new AddStage({ name: "barrier", batchSize: 2 ** 31 }),
			new AddStage({ name: "d" }),
			new AddStage({ name: "two-cpus", resources: { cpus: 2 } }),
			new AddStage({ name: "e" }),
			new AddStage({ name: "opted-out" }).with({ backend: { actorPool: { fuse: false } } }),
			new AddStage({ name: "f" }),
			new AddStage({ name: "retries" }).with({ backend: { actorPool: { numRunAttempts: 5 } } }),
			Object.assign(new AddStage({ name: "fixed" }), { numWorkers: () => 1 }),
		];
		expect(names(fuseStages(stages, {}))).toEqual([
			["a", "b"],
			["setup-of-its-own"],
			["c"],
			["barrier", "d"],
			["two-cpus"],
			["e"],
			["opted-out"],
			["f"],
			["retries"],
			["fixed"],
		]);
	});

	it("compares resolved fault policies: a stage repeating the config's value fuses, a time limit does not", () => {
		const config = { numRunAttempts: 3 };
		const stages = [
			new AddStage({ name: "a" }),
			new AddStage({ name: "same" }).with({ backend: { actorPool: { numRunAttempts: 3 } } }),
			new AddStage({ name: "limited" }).with({ backend: { actorPool: { processTimeoutS: 5 } } }),
		];
		expect(names(fuseStages(stages, config))).toEqual([["a", "same"], ["limited"]]);
	});

	it("keeps sources apart, and every stage apart with fuseStages: false", () => {
		const source = new AddStage({ name: "source", role: "source" });
		const stages = [source, new AddStage({ name: "a" }), new AddStage({ name: "b" })];
		expect(names(fuseStages(stages, {}))).toEqual([["source"], ["a", "b"]]);
		expect(names(fuseStages(stages, { fuseStages: false }))).toEqual([["source"], ["a"], ["b"]]);
	});
});

const view = (tasks: Task[]) =>
	tasks.map((t) => [t.taskId, t.data, t.stagePerf.map((p) => p.stageName)]);
const input = () => numbers([1, 2, 3], [4], [5, 6, 7, 8, 9], [10, 11]);

describe.each(["process", "thread"] as const)("fused stages (%s isolation)", (isolation) => {
	it("run in one pool, one worker call per batch, with backend-local's outputs, ids and metrics", async () => {
		const pipeline = () =>
			new Pipeline({
				name: "fused",
				stages: [
					new MathStage(),
					new AddStage({ batchSize: 2 }),
					new AddStage({ batchSize: 3 }),
					new MathStage(),
				],
			});
		const pools = new Set<string>();
		const local = await pipeline().run(new LocalExecutor({ machine }), input());
		const pooled = await pipeline().run(new ActorPoolExecutor({ isolation, machine }), input(), {
			onEvent: (e) => {
				if (e.type === "worker:start") pools.add(e.stage);
			},
		});
		expect(view(pooled.tasks)).toEqual(view(local.tasks));
		const counts = (r: typeof local) =>
			r.summary.stages.map((s) => [s.stage, s.tasksIn, s.tasksOut, s.perf.customMetrics]);
		expect(counts(pooled)).toEqual(counts(local));
		expect([...pools].sort()).toEqual(["AddStage+AddStage#2", "MathStage", "MathStage#2"]);
	});
});
