import { readdirSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor } from "@curator/backend-local";
import { RepeatStage } from "@curator/conformance/fixtures";
import { Pipeline, type ProcessingStage, type RunEvent, type Task } from "@curator/core";
import { EncodedTask, StagePool } from "@curator/runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DataExecutor } from "../src/index.ts";
import { batchSizes, childPids, tempDir, view } from "./fixtures/helpers.ts";
import {
	GenerateStage,
	JournalStage,
	numbers,
	rows,
	SplitStage,
	SquareStage,
	SumStage,
} from "./fixtures/stages.ts";

const machine = { cpus: 2, gpus: 0 };
let dir = "";
let remove = async () => {};
beforeAll(async () => {
	({ dir, remove } = await tempDir());
});
afterAll(() => remove());
afterEach(() => {
	expect(childPids()).toEqual([]);
});

function split(chunk: number, batchSize = 1): SplitStage {
	const stage = new SplitStage({ batchSize });
	stage.chunk = chunk;
	return stage;
}

function sum(batchSize: number, dropOdd = false): SumStage {
	const stage = new SumStage({ batchSize });
	stage.dropOdd = dropOdd;
	return stage;
}

function generate(count: number, keyed: boolean): GenerateStage {
	const stage = new GenerateStage();
	stage.count = count;
	stage.keyed = keyed;
	return stage;
}

interface Case {
	name: string;
	stages: () => ProcessingStage[];
	input: () => Task[] | undefined;
}

const cases: Case[] = [
	{
		name: "filter, fan-out and an actor stage",
		stages: () => [new SquareStage({ batchSize: 2 }), new JournalStage()],
		input: () => numbers([1, 2], [13], [3, 4, 5, 6], [7], [8, 9]),
	},
	{
		name: "fan-out re-split into the next stage's batches",
		stages: () => [split(1), new JournalStage({ batchSize: 3 })],
		input: () => numbers([1, 2, 3, 4], [5], [6, 7]),
	},
	{
		name: "fused stateless stages with other batch sizes and filtered slots",
		stages: () => [new SquareStage(), split(1, 2), sum(3, true), new SquareStage({ batchSize: 2 })],
		input: () => numbers(...rows(9, 1), [1, 2, 3, 4]),
	},
	{
		name: "a generating source from EmptyTask with content ids",
		stages: () => [generate(7, true), sum(2), new JournalStage({ batchSize: 4 })],
		input: () => undefined,
	},
	{
		name: "a generating source without content ids",
		stages: () => [generate(6, false), split(1, 4), new JournalStage()],
		input: () => undefined,
	},
];

describe.each(["process", "thread"] as const)("DataExecutor (%s isolation)", (isolation) => {
	it.each(cases)("gives backend-local's outputs, ids and order: $name", async (c) => {
		const pipeline = () => new Pipeline({ name: "p", stages: c.stages() });
		const local = await pipeline().run(new LocalExecutor({ machine }), c.input());
		const data = await pipeline().run(new DataExecutor({ isolation, machine }), c.input());
		expect(view(data.tasks)).toEqual(view(local.tasks));
		const totals = (r: typeof data) =>
			r.summary.stages.map((s) => [s.stage, s.tasksIn, s.tasksOut]);
		expect(totals(data)).toEqual(totals(local));
	});
});

describe("DataExecutor batching and lifecycle", () => {
	it("re-splits fan-out output into the next stage's batches, as backend-local does", async () => {
		const events: RunEvent[] = [];
		const stages = () => [split(1), new JournalStage({ batchSize: 3 })];
		const input = () => numbers([1, 2, 3, 4], [5], [6, 7]);
		const local: RunEvent[] = [];
		await new Pipeline({ name: "p", stages: stages() }).run(
			new LocalExecutor({ machine }),
			input(),
			{
				onEvent: (e) => local.push(e),
			},
		);
		await new Pipeline({ name: "p", stages: stages() }).run(
			new DataExecutor({ machine }),
			input(),
			{
				onEvent: (e) => events.push(e),
			},
		);
		// Batches may finish in any order on two workers: their sizes are what must match.
		const sizes = (from: RunEvent[]) => batchSizes(from, "JournalStage").sort();
		expect(sizes(events)).toEqual([1, 3, 3]);
		expect(sizes(events)).toEqual(sizes(local));
	});

	it("gives a fused stage batches of at most its own batchSize", async () => {
		const events: RunEvent[] = [];
		const executor = new DataExecutor({ machine });
		const stages = [new SquareStage(), split(1, 2), sum(3)];
		expect(executor.plan(stages).operators.map((op) => op.name)).toEqual([
			"SquareStage",
			"SplitStage+SumStage",
		]);
		const result = await new Pipeline({ name: "p", stages }).run(
			executor,
			numbers([1, 2, 3, 4], [1, 2, 3, 4, 5, 6, 7]),
			{ onEvent: (e) => events.push(e) },
		);
		expect(result.tasks).toHaveLength(11);
		const sizes = batchSizes(events, "SumStage");
		expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
		expect(sizes.reduce((a, b) => a + b, 0)).toBe(11);
	});

	it("runs setupOnNode once, setup once per actor and teardown for each", async () => {
		const journal = join(dir, "journal-actors");
		const stage = new JournalStage({ backend: { data: { minWorkers: 2 } } });
		stage.journal = journal;
		const result = await new Pipeline({ name: "p", stages: [stage] }).run(
			new DataExecutor({ machine }),
			numbers(...rows(6)),
		);
		expect(result.tasks).toHaveLength(6);
		const lines = (await readFile(journal, "utf8")).trim().split("\n");
		expect(lines.filter((l) => l.startsWith("setupOnNode"))).toHaveLength(1);
		const setups = lines.filter((l) => l.startsWith("setup "));
		expect(setups.sort()).toEqual([
			"setup JournalStage JournalStage-0",
			"setup JournalStage JournalStage-1",
		]);
		expect(lines.filter((l) => l.startsWith("teardown"))).toHaveLength(2);
		expect(result.summary.stages[0]?.perf.numTasksProcessed).toBe(6);
	});

	it("runs a stage marked stateless as pooled tasks: setup once per shared worker", async () => {
		const journal = join(dir, "journal-tasks");
		const stage = new JournalStage({ backend: { data: { stateless: true } } });
		stage.journal = journal;
		const executor = new DataExecutor({ machine, maxWorkers: 1 });
		expect(executor.plan([stage]).operators[0]?.kind).toBe("tasks");
		await new Pipeline({ name: "p", stages: [stage] }).run(executor, numbers(...rows(4)));
		const lines = (await readFile(journal, "utf8")).trim().split("\n");
		expect(lines.filter((l) => l.startsWith("setup "))).toEqual(["setup JournalStage tasks-0"]);
		expect(lines.filter((l) => l.startsWith("teardown"))).toHaveLength(1);
	});

	it("sums custom metrics per stage, fused or not", async () => {
		const result = await new Pipeline({
			name: "p",
			stages: [new SquareStage(), split(1), new SquareStage()],
		}).run(new DataExecutor({ machine }), numbers([1, 2], [3]));
		const metric = (name: string) =>
			result.summary.stages.find((s) => s.stage === name)?.perf.customMetrics.squared;
		expect([metric("SquareStage"), metric("SquareStage#2")]).toEqual([3, 3]);
	});
});

describe("the spill folder", () => {
	it("is declared (supports.spill) with worker processes only", () => {
		const spill = (config: ConstructorParameters<typeof DataExecutor>[0]) =>
			new DataExecutor(config).supports.spill;
		expect([spill({}), spill({ isolation: "process" }), spill({ isolation: "thread" })]).toEqual([
			true,
			true,
			false,
		]);
	});

	it("is made only when an operator passes its outputs on to another operator", async () => {
		const spillBase = await mkdtemp(join(tmpdir(), "curator-spill-"));
		vi.stubEnv("CURATOR_SPILL_DIR", spillBase);
		try {
			const foldersDuring = async (stages: ProcessingStage[]) => {
				const seen: number[] = [];
				const executor = new DataExecutor({ isolation: "process", machine });
				await new Pipeline({ name: "p", stages }).run(executor, numbers([1], [2]), {
					onEvent: (event) => {
						if (event.type === "stage:start") seen.push(readdirSync(spillBase).length);
					},
				});
				return seen;
			};
			expect(await foldersDuring([new SquareStage()])).toEqual([0]);
			const unfused = { backend: { data: { fuse: false } } };
			expect(await foldersDuring([new SquareStage(), new SumStage().with(unfused)])).toEqual([
				1, 1,
			]);
			expect(await readdir(spillBase)).toEqual([]);
		} finally {
			vi.unstubAllEnvs();
			await rm(spillBase, { recursive: true, force: true });
		}
	});
});

describe.each(["process", "thread"] as const)(
	"large outputs between operators (%s isolation)",
	(isolation) => {
		it("go to the next operator's workers as the bytes they came in, with backend-local's results", async () => {
			const processCalls = vi.spyOn(StagePool.prototype, "process");
			const spillBase = await mkdtemp(join(tmpdir(), "curator-spill-"));
			vi.stubEnv("CURATOR_SPILL_DIR", spillBase);
			const pipeline = () =>
				new Pipeline({
					name: "p",
					stages: [
						new SquareStage(),
						new RepeatStage({ times: 40_000, oddOnly: true }),
						new SumStage({ batchSize: 2 }).with({ backend: { data: { fuse: false } } }),
					],
				});
			const input = () => numbers([1], [2], [3], [4], [5]);
			try {
				const local = await pipeline().run(new LocalExecutor({ machine }), input());
				const data = await pipeline().run(new DataExecutor({ isolation, machine }), input());
				expect(view(data.tasks)).toEqual(view(local.tasks));
				expect(data.tasks.map((t) => t.data)).toEqual([
					[40_000],
					[4],
					[40_000 * 9],
					[16],
					[40_000 * 25],
				]);
				const encoded = processCalls.mock.calls.flatMap(([batch]) =>
					batch.filter((task) => task instanceof EncodedTask),
				);
				expect(encoded.length).toBeGreaterThan(0);
				// Worker processes pass them through files in the run's spill folder, gone after the run.
				const files = encoded.flatMap((task) => (task.file === undefined ? [] : [task.file]));
				expect(files.length > 0).toBe(isolation === "process");
				expect(files.every((file) => file.startsWith(spillBase))).toBe(true);
				expect(await readdir(spillBase)).toEqual([]);
			} finally {
				processCalls.mockRestore();
				vi.unstubAllEnvs();
				await rm(spillBase, { recursive: true, force: true });
			}
		});
	},
);
