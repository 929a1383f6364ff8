import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as fixtures from "@curator/conformance/fixtures";
import {
	type ClassRef,
	classRefOf,
	Pipeline,
	type ProcessingStage,
	registeredClass,
	type Task,
} from "@curator/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReferenceExecutor, snapshotTasks } from "../src/index.ts";

// Workers rebuild stages and tasks from `{ module, export }` plus their own
// enumerable fields, without running the constructor. These tests do that
// with the built fixtures module, the way a worker process would.
const dist = new URL("../dist/", import.meta.url);
let dir = "";
beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "curator-portability-"));
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

/** What a worker does, in this process: find the registered class, then prototype + cloned fields. */
function rebuild<T extends object>(instance: T): T {
	const ref = classRefOf(instance.constructor as new () => T);
	const Class = ref === undefined ? undefined : registeredClass(ref);
	if (Class === undefined) throw new Error(`${instance.constructor.name} is not registered`);
	const { resources, ...fields } = instance as T & { resources?: unknown };
	const copy = Object.create(Class.prototype) as T;
	Object.assign(copy, structuredClone(fields), resources === undefined ? {} : { resources });
	return copy;
}

/** How a stage or task travels: its class ref and its own enumerable fields as plain data. */
function wireForm(instance: object): { ref: ClassRef | undefined; fields: unknown } {
	const ref = classRefOf(instance.constructor as new () => object);
	return { ref, fields: JSON.parse(JSON.stringify(instance)) };
}

async function outputs(stage: ProcessingStage, inputs: Task[]) {
	const pipeline = new Pipeline({ name: "p", stages: [stage] });
	return snapshotTasks((await pipeline.run(new ReferenceExecutor(), inputs)).tasks);
}

describe("fixture portability", () => {
	it("exports every fixture class from the fixtures module under its class name", () => {
		for (const [name, Class] of Object.entries(fixtures.fixtureClasses)) {
			expect((fixtures as Record<string, unknown>)[name], name).toBe(Class);
			expect(Class.name).toBe(name);
		}
	});

	it("defines each fixture class once in the build, shared by both entries", async () => {
		const files = (await readdir(dist)).filter((f) => f.endsWith(".js"));
		const code = await Promise.all(files.map((f) => readFile(new URL(f, dist), "utf8")));
		const definitions =
			code.join("\n").match(/class GenerateStage\b|\bGenerateStage = class\b/g) ?? [];
		expect(definitions).toHaveLength(1);
	});

	it("every fixture class is registered at a module that exports it under its name", async () => {
		for (const [name, Class] of Object.entries(fixtures.fixtureClasses)) {
			const ref = classRefOf(Class);
			expect(ref?.export, name).toBe(name);
			const module = (await import(ref?.module ?? "")) as Record<string, unknown>;
			expect(module[name], name).toBe(Class);
		}
	});

	it("another Node process rebuilds every fixture stage and gets the same results", async () => {
		const stages = sampleStages();
		const names = stages.map((s) => s.constructor.name);
		const classes = Object.keys(fixtures.fixtureClasses);
		expect(classes.filter((c) => c.endsWith("Stage") && !names.includes(c))).toEqual([]);
		const inputs = () => fixtures.numbersTasks([1, 2], [4], [5, 3]);
		const specs = stages.map((stage) => ({
			stage: wireForm(stage),
			tasks: inputs().map(wireForm),
		}));
		const { stdout } = await promisify(execFile)(
			process.execPath,
			[
				fileURLToPath(new URL("./fixtures/rebuild-worker.mjs", import.meta.url)),
				JSON.stringify(specs),
			],
			{
				cwd: fileURLToPath(new URL("../", import.meta.url)),
				timeout: 60_000,
				killSignal: "SIGKILL",
			},
		);
		const expected = await Promise.all(stages.map((stage) => stage.processBatch(inputs())));
		expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
	});

	it("rebuilt tasks keep their class behaviour (numItems, deterministicId)", () => {
		const task = fixtures.numbersTask([1, 2, 3], { contentId: "doc-1" });
		const copy = rebuild(task);
		expect(copy).toBeInstanceOf(fixtures.NumbersTask);
		expect(copy.numItems).toBe(3);
		expect(copy.deterministicId()).toBe("doc-1");
	});

	it("rebuilt stages give the same pipeline outputs as the originals", async () => {
		// A pipeline run ends with teardown, which HangingTeardownStage never returns from (by design).
		const runnable = sampleStages().filter((s) => !(s instanceof fixtures.HangingTeardownStage));
		for (const stage of runnable) {
			const inputs = () => fixtures.numbersTasks([1, 2], [4], [5, 3]);
			expect(await outputs(rebuild(stage), inputs()), stage.name).toEqual(
				await outputs(stage, inputs()),
			);
		}
	});

	it("the composite decomposes the same after a rebuild", () => {
		const composite = new fixtures.NumbersComposite({ factor: 2, chunk: 1 }).with({
			MultiplyStage: { name: "Double" },
		});
		const names = (c: typeof composite) => c.expand().map((s) => s.name);
		expect(names(rebuild(composite))).toEqual(["Double", "SplitStage"]);
	});
});

function sampleStages(): ProcessingStage[] {
	return [
		new fixtures.GenerateStage({ count: 2, width: 2, keyPrefix: "k", batchSize: 2 }),
		new fixtures.MultiplyStage({ factor: 3 }),
		new fixtures.SplitStage({ chunk: 1 }),
		new fixtures.FilterStage({ modulo: 2, remainder: 0 }),
		new fixtures.DropAllStage(),
		new fixtures.PairBatchStage({ batchSize: 2 }),
		new fixtures.MetricsStage(),
		new fixtures.RepeatStage({ times: 3, oddOnly: true }),
		new fixtures.FailingStage({ failOn: 99 }),
		new fixtures.FailingBatchStage({ failOn: 99 }),
		new fixtures.ForgetfulStage({ forgetOn: 99 }),
		new fixtures.CrashStage({ exitOn: 99 }),
		new fixtures.CrashOnceStage({ dir, exitOn: 99 }),
		new fixtures.PoisonedStage({ partition: "k-9", marker: join(dir, "no-poison") }),
		new fixtures.LifecycleStage({ dir }),
		new fixtures.GateStage({ dir, openAfter: 99, maxWaitMs: 1000 }),
		new fixtures.OpenGateStage({ dir }),
		new fixtures.BarrierProbeStage(),
		new fixtures.UniqueNumbersStage(),
		new fixtures.GpuProbeStage({
			journal: join(dir, "gpu-journal"),
			markerDir: dir,
			crashOn: [99],
		}),
		new fixtures.FlakyStage({ dir, failOn: 99, failTimes: 1 }),
		new fixtures.HangStage({ hangOn: 99 }),
		new fixtures.HangingTeardownStage(),
	];
}
