import { describe, expect, it } from "vitest";
import {
	AbortError,
	ErrorCodes,
	type ExecutionContext,
	Pipeline,
	ProcessingStage,
	type RunEvent,
	runStageInProcess,
	StageError,
	type Task,
	type TaskFailure,
} from "../src/index.ts";
import { LoopExecutor, NumberTask, numbers } from "./fixtures.ts";

/** Records its lifecycle in `journal`; throws on a task holding `failOn`, or in `setup` with `failSetup`. */
class JournalStage extends ProcessingStage<NumberTask, NumberTask> {
	journal: string[] = [];
	failOn = -1;
	failSetup = false;

	override setup(): void {
		this.journal.push("setup");
		if (this.failSetup) throw new Error("no setup");
	}

	override teardown(): void {
		this.journal.push("teardown");
	}

	override process(task: NumberTask): NumberTask {
		this.journal.push(`process:${task.taskId}`);
		if (task.data.includes(this.failOn)) throw new Error(`cannot take ${this.failOn}`);
		return new NumberTask({ data: task.data.map((n) => n + 1) });
	}
}

function journalStage(
	init: Partial<Pick<JournalStage, "failOn" | "failSetup">> = {},
): JournalStage {
	return Object.assign(new JournalStage(), init);
}

function fakeContext(signal = new AbortController().signal) {
	const events: RunEvent[] = [];
	const failures: TaskFailure[] = [];
	const context: ExecutionContext = {
		signal,
		logger: { child: () => context.logger } as unknown as ExecutionContext["logger"],
		emit: (event) => events.push(event),
		recordFailure: (failure) => failures.push(failure),
		throwIfAborted: () => {
			if (signal.aborted) throw new AbortError(signal.reason);
		},
	};
	return { context, events, failures };
}

describe("runStagesInProcess", () => {
	it("with ignoreFailures records a failed batch (stage, task ids, error, attempts) and goes on", async () => {
		const stage = journalStage({ failOn: 13 });
		const pipeline = new Pipeline({ name: "p", stages: [stage] });
		const result = await pipeline.run(
			new LoopExecutor({ ignoreFailures: true }),
			numbers([1], [13], [2]),
		);
		expect(result.failures).toEqual([
			{
				stage: "JournalStage",
				taskIds: ["0_1"],
				error: 'stage "JournalStage" failed on tasks [0_1], worker JournalStage-0: cannot take 13',
				attempts: 1,
				workerId: "JournalStage-0",
			},
		]);
		expect(result.tasks.map((t) => [t.taskId, t.data])).toEqual([
			["0_0_0", [2]],
			["0_2_0", [3]],
		]);
		expect(result.summary.stages[0]?.failedTasks).toBe(1);
	});

	it("without ignoreFailures fails the run on the failed batch, after tearing down", async () => {
		expect.assertions(3);
		const stage = journalStage({ failOn: 13 });
		const pipeline = new Pipeline({ name: "p", stages: [stage] });
		try {
			await pipeline.run(new LoopExecutor(), numbers([1], [13], [2]));
		} catch (error) {
			expect(error).toBeInstanceOf(StageError);
			expect((error as StageError).taskIds).toEqual(["0_1"]);
		}
		// The stage the executor ran is a copy built by `Pipeline.build()`: read the shared journal.
		expect(stage.journal).toEqual(["setup", "process:0_0", "process:0_1", "teardown"]);
	});

	it("with ignoreFailures a failing setup still fails the run", async () => {
		const pipeline = new Pipeline({ name: "p", stages: [journalStage({ failSetup: true })] });
		await expect(
			pipeline.run(new LoopExecutor({ ignoreFailures: true }), numbers([1])),
		).rejects.toThrow("no setup");
	});
});

describe("runStageInProcess", () => {
	it("sets nothing up and reports nothing when there is no batch", async () => {
		const stage = journalStage();
		const { context, events } = fakeContext();
		const outputs: Task[][] = [];
		await runStageInProcess(stage, [], context, (tasks) => outputs.push(tasks));
		expect(stage.journal).toEqual([]);
		expect(events).toEqual([]);
		expect(outputs).toEqual([]);
	});

	it("takes batches from an async source and hands each batch's outputs on as it finishes", async () => {
		const stage = journalStage();
		const { context, events } = fakeContext();
		async function* source(): AsyncGenerator<Task[]> {
			yield assignIds(numbers([1], [2]), "0");
			yield assignIds(numbers([3]), "1");
		}
		const outputs: unknown[][] = [];
		await runStageInProcess(
			stage,
			source(),
			context,
			(tasks) => outputs.push(tasks.map((t) => t.data)),
			{ pid: 42, nodeId: "n" },
		);
		expect(outputs).toEqual([[[2], [3]], [[4]]]);
		expect(events.map((e) => e.type)).toEqual([
			"worker:start",
			"batch:done",
			"batch:done",
			"worker:exit",
		]);
		expect(events[0]).toEqual({
			type: "worker:start",
			stage: "JournalStage",
			workerId: "JournalStage-0",
			pid: 42,
		});
	});

	it("stops before the next batch when aborted, and tears down", async () => {
		expect.assertions(2);
		const stage = journalStage();
		const controller = new AbortController();
		const { context } = fakeContext(controller.signal);
		function* source(): Generator<Task[]> {
			yield assignIds(numbers([1]), "0");
			controller.abort("stop");
			yield assignIds(numbers([2]), "1");
		}
		try {
			await runStageInProcess(stage, source(), context, () => {});
		} catch (error) {
			expect((error as AbortError).code).toBe(ErrorCodes.aborted);
		}
		expect(stage.journal).toEqual(["setup", "process:0", "teardown"]);
	});
});

function assignIds(tasks: NumberTask[], prefix: string): NumberTask[] {
	for (const [i, task] of tasks.entries())
		task.taskId = tasks.length === 1 ? prefix : `${prefix}${i}`;
	return tasks;
}
