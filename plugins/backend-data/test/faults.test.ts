import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalExecutor } from "@curator/backend-local";
import { Pipeline, type Task } from "@curator/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataExecutor } from "../src/index.ts";
import { childPids, tempDir, view, waitForFile } from "./fixtures/helpers.ts";
import {
	BlockStage,
	CrashStage,
	FailingSetupStage,
	JournalStage,
	numbers,
	rows,
	SquareStage,
	SumStage,
	ThrowStage,
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

const ids = (tasks: Task[]) => tasks.map((t) => t.taskId);
const input = () => numbers([1], [2], [3], [4], [5], [6]);

function crash(options: Partial<Pick<CrashStage, "everyAttempt" | "how">> = {}): CrashStage {
	const stage = new CrashStage({ batchSize: 2 });
	stage.victim = 3;
	stage.markerDir = dir;
	Object.assign(stage, options);
	return stage;
}

const crashing = (options: Partial<Pick<CrashStage, "everyAttempt" | "how">> = {}) =>
	new Pipeline({ name: "crash", stages: [crash(options), new JournalStage()] });

describe.each(["process", "thread"] as const)("worker faults (%s isolation)", (isolation) => {
	it("a worker dying on the first attempt of one task is replaced and the batch retried", async () => {
		const retries: string[] = [];
		const result = await crashing().run(new DataExecutor({ isolation, machine }), input(), {
			onEvent: (e) => {
				if (e.type === "retry")
					retries.push(`${e.stage} ${e.taskIds.join(",")} attempt ${e.attempt}`);
			},
		});
		const reference = await crashing().run(new LocalExecutor({ machine }), input());
		expect(view(result.tasks)).toEqual(view(reference.tasks));
		// A batch queued behind the fatal one on the same worker is re-sent without using an attempt.
		expect(retries.filter((r) => !r.endsWith("attempt 1"))).toEqual([
			"CrashStage 0_2,0_3 attempt 2",
		]);
		expect(result.failures).toEqual([]);
		expect(result.summary.stages[0]?.retries).toBeGreaterThanOrEqual(1);
	});

	it("an AbortSignal stops the run and reaps every worker", async () => {
		const block = new BlockStage();
		block.startedFile = join(dir, "started");
		const controller = new AbortController();
		const run = new Pipeline({
			name: "p",
			stages: [new SquareStage(), block, new JournalStage()],
		}).run(new DataExecutor({ isolation, machine }), numbers(...rows(8, 1)), {
			signal: controller.signal,
		});
		await waitForFile(block.startedFile);
		controller.abort("user");
		await expect(run).rejects.toMatchObject({ code: "CURATOR_ABORTED" });
	});
});

describe("faults (process isolation)", () => {
	it("survives a worker killed by SIGKILL", async () => {
		const result = await crashing({ how: "sigkill" }).run(new DataExecutor({ machine }), input());
		expect(result.tasks).toHaveLength(6);
	});

	it("per-stage options override the executor's", async () => {
		const lenient = crash({ everyAttempt: true }).with({
			backend: { data: { ignoreFailures: true } },
		});
		const result = await new Pipeline({ name: "p", stages: [lenient] }).run(
			new DataExecutor({ machine }),
			input(),
		);
		expect(result.failures.map((f) => f.taskIds)).toEqual([["0_2", "0_3"]]);
	});

	it("charges a crash inside fused stages to the chain's first stage, naming the chain", async () => {
		const victim = crash({ everyAttempt: true });
		victim.victim = 81;
		const pipeline = new Pipeline({
			name: "p",
			stages: [new SquareStage(), victim, new SumStage()],
		});
		const executor = new DataExecutor({ machine, ignoreFailures: true });
		expect(executor.plan(pipeline.build()).operators.map((op) => op.name)).toEqual([
			"SquareStage",
			"CrashStage+SumStage",
		]);
		const result = await pipeline.run(executor, numbers([1], [2], [9], [4]));
		expect(result.failures.map((f) => [f.stage, f.taskIds])).toEqual([
			["CrashStage", ["0_2_0", "0_3_0"]],
		]);
		expect(result.failures[0]?.error).toContain("(running CrashStage+SumStage)");
		expect(result.summary.stages.map((s) => s.stage)).toEqual([
			"SquareStage",
			"CrashStage",
			"SumStage",
		]);
		expect(result.summary.ledger.balanced).toBe(true);
		expect(ids(result.tasks)).toEqual(["0_0_0_0_0", "0_1_0_0_0"]);
	});

	it("a stage error fails the run after every worker that ran setup ran teardown", async () => {
		expect.assertions(4);
		const journal = join(dir, "journal");
		const thrower = new ThrowStage();
		thrower.bad = 5;
		const actor = new JournalStage();
		actor.journal = journal;
		try {
			await new Pipeline({ name: "p", stages: [thrower, actor] }).run(
				new DataExecutor({ machine }),
				numbers(...rows(8, 1)),
			);
		} catch (error) {
			expect(error).toMatchObject({ stage: "ThrowStage", taskIds: ["0_4"] });
			expect((error as Error).message).toMatch(/cannot take 5/);
		}
		const lines = (await readFile(journal, "utf8")).trim().split("\n");
		const setups = lines.filter((l) => l.startsWith("setup "));
		expect(setups.length).toBeGreaterThan(0);
		expect(lines.filter((l) => l.startsWith("teardown"))).toHaveLength(setups.length);
	});

	it("an event listener that throws fails the run instead of hanging it", async () => {
		const run = new Pipeline({ name: "p", stages: [new SquareStage(), new JournalStage()] }).run(
			new DataExecutor({ machine }),
			numbers(...rows(6, 1)),
			{
				onEvent: (e) => {
					if (e.type === "batch:done" && e.stage === "JournalStage")
						throw new Error("listener broke");
				},
			},
		);
		await expect(run).rejects.toThrow("listener broke");
	});

	it("fails clearly when setup keeps failing, leaving no worker", async () => {
		const run = new Pipeline({
			name: "p",
			stages: [new SquareStage(), new FailingSetupStage()],
		}).run(new DataExecutor({ machine, numSetupAttempts: 2 }), numbers([1], [2]));
		await expect(run).rejects.toThrow(
			/stage "FailingSetupStage": worker setup failed after 2 attempt\(s\): no model here/,
		);
	});
});
