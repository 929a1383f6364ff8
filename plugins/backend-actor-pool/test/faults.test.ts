import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LocalExecutor } from "@curator/backend-local";
import { childProcessesOf } from "@curator/conformance";
import { Pipeline, type Task } from "@curator/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ActorPoolExecutor } from "../src/index.ts";
import { CrashStage, MathStage, numbers, WaitForFileStage } from "./fixtures/stages.ts";

const machine = { cpus: 2, gpus: 0 };
let dir = "";
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "curator-faults-"));
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
	expect(childProcessesOf().map((p) => p.pid)).toEqual([]);
});

const view = (tasks: Task[]) => tasks.map((t) => [t.taskId, t.data]);
const input = () => numbers([1], [2], [3], [4], [5], [6]);

function crashing(options: Partial<Pick<CrashStage, "everyAttempt" | "how">>): Pipeline {
	const crash = new CrashStage({ batchSize: 2 });
	crash.victim = 3;
	crash.markerDir = dir;
	Object.assign(crash, options);
	return new Pipeline({ name: "crash", stages: [crash, new MathStage()] });
}

describe.each(["process", "thread"] as const)("worker faults (%s isolation)", (isolation) => {
	it("a worker dying on the first attempt of one task is replaced and the batch retried", async () => {
		const events: string[] = [];
		const result = await crashing({}).run(new ActorPoolExecutor({ isolation, machine }), input(), {
			onEvent: (e) => {
				if (e.type === "retry") events.push(`retry ${e.taskIds.join(",")} attempt ${e.attempt}`);
			},
		});
		const reference = await crashing({}).run(new LocalExecutor({ machine }), input());
		expect(view(result.tasks)).toEqual(view(reference.tasks));
		// Only the batch that killed the worker uses an attempt. The next batch may have been queued
		// behind it on the same worker (that depends on which worker was set up first): it is sent
		// again at attempt 1.
		const culprit = "retry 0_2,0_3 attempt 2";
		const requeued = "retry 0_4,0_5 attempt 1";
		expect([[culprit], [requeued, culprit], [culprit, requeued]]).toContainEqual(events);
		expect(result.failures).toEqual([]);
		expect(result.summary.stages[0]?.retries).toBe(events.length);
	});
});

describe("process isolation only", () => {
	it("survives a worker killed by SIGKILL", async () => {
		const result = await crashing({ how: "sigkill" }).run(
			new ActorPoolExecutor({ machine }),
			input(),
		);
		expect(result.tasks).toHaveLength(6);
	});

	it("a worker that runs out of memory is replaced and its batch retried", async () => {
		const retries: { attempt: number; reason: string }[] = [];
		const result = await crashing({ how: "oom" }).run(
			new ActorPoolExecutor({ machine, workerMaxHeapMb: 48 }),
			input(),
			{
				onEvent: (e) => {
					if (e.type === "retry") retries.push({ attempt: e.attempt, reason: e.reason });
				},
			},
		);
		expect(result.tasks).toHaveLength(6);
		// A batch queued behind the fatal one on that worker is also sent again, at attempt 1.
		const charged = retries.filter((r) => r.attempt > 1);
		expect(charged).toHaveLength(1);
		expect(charged[0]?.reason).toMatch(
			/worker CrashStage-\d+ (signal SIGABRT|signal SIGTRAP|exit code 134)/,
		);
		expect(retries.length - charged.length).toBeLessThanOrEqual(1);
	});

	it("per-stage options override the executor's", async () => {
		const pipeline = crashing({ everyAttempt: true });
		const [crash] = pipeline.stages as CrashStage[];
		const lenient = crash!.with({ backend: { actorPool: { ignoreFailures: true } } });
		const result = await new Pipeline({ name: "p", stages: [lenient] }).run(
			new ActorPoolExecutor({ machine }),
			input(),
		);
		expect(result.failures.map((f) => f.taskIds)).toEqual([["0_2", "0_3"]]);
	});
});

describe.each(["process", "thread"] as const)("abort (%s isolation)", (isolation) => {
	it("an AbortSignal stops the run and reaps every worker", async () => {
		const stage = new WaitForFileStage();
		stage.startedFile = join(dir, "started");
		const controller = new AbortController();
		const run = new Pipeline({ name: "p", stages: [stage] }).run(
			new ActorPoolExecutor({ isolation, machine }),
			numbers([1], [2]),
			{ signal: controller.signal },
		);
		while (!existsSync(stage.startedFile)) await sleep(20);
		controller.abort("user");
		await expect(run).rejects.toMatchObject({ code: "CURATOR_ABORTED" });
	});
});
