import { describe, expect, it } from "vitest";
import {
	emptyPerfStats,
	ledgerProblems,
	Pipeline,
	ProcessingStage,
	RunSummaryBuilder,
	type StageOutput,
	type Task,
} from "../src/index.ts";
import { LoopExecutor, type NumberTask, numbers, SplitStage } from "./fixtures.ts";

/** Drops tasks holding 0, throws on tasks holding 13, passes the others. */
class PickyStage extends ProcessingStage<NumberTask, NumberTask> {
	override process(task: NumberTask): StageOutput<NumberTask> {
		if (task.data.includes(13)) throw new Error("no 13");
		return task.data.includes(0) ? null : task;
	}
}

const pipeline = () =>
	new Pipeline({
		name: "p",
		stages: [new SplitStage({ batchSize: 2 }), new PickyStage({ batchSize: 2 })],
	});

describe("the run ledger", () => {
	it("settles every task of every stage: passed, filtered (fan-out counted in out) and failed", async () => {
		const result = await pipeline().run(
			new LoopExecutor({ ignoreFailures: true }),
			numbers([1, 0, 2], [13, 4]),
		);
		expect(result.summary.ledger).toEqual({
			balanced: true,
			stages: [
				{ stage: "SplitStage", handed: 2, passed: 2, filtered: 0, failed: 0, out: 5, unsettled: 0 },
				// [1,0] is one batch (0 filtered), [2,13] fails as a batch, [4] alone.
				{ stage: "PickyStage", handed: 5, passed: 2, filtered: 1, failed: 2, out: 2, unsettled: 0 },
			],
		});
		expect(ledgerProblems(result.summary.ledger)).toEqual([]);
	});

	it("counts one EmptyTask as the first stage's input when the run has no initial tasks", async () => {
		class Source extends ProcessingStage<Task, NumberTask> {
			override process(): NumberTask[] {
				return numbers([1], [2]);
			}
		}
		const result = await new Pipeline({ name: "s", stages: [new Source()] }).run(
			new LoopExecutor({ ignoreFailures: true }),
		);
		expect(result.summary.ledger.stages[0]).toMatchObject({ handed: 1, passed: 1, out: 2 });
		expect(result.summary.ledger.balanced).toBe(true);
	});

	it("shows tasks a backend lost between stages, naming the stage", async () => {
		const executor = new LoopExecutor({ ignoreFailures: true });
		// A broken backend: one more output of SplitStage than it hands on.
		executor.relay = (event, emit) =>
			emit(
				event.type === "batch:done" && event.stage === "SplitStage"
					? { ...event, tasksOut: event.tasksOut + 1 }
					: event,
			);
		const result = await pipeline().run(executor, numbers([1, 2]));
		expect(result.summary.ledger.balanced).toBe(false);
		expect(ledgerProblems(result.summary.ledger)).toEqual([
			'stage "PickyStage": 3 task(s) handed, 2 passed + 0 filtered + 0 failed: 1 unsettled',
		]);
	});

	it("shows the tasks still in flight when a run stopped", () => {
		const summary = new RunSummaryBuilder();
		summary.add({ type: "run:start", backend: "b", stages: ["A", "B"], tasks: 4 });
		const perf = emptyPerfStats("A");
		const ids = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
		summary.add({
			type: "batch:done",
			workerId: "w",
			stage: "A",
			tasksIn: 4,
			tasksOut: 4,
			itemsIn: 4,
			itemsOut: 4,
			perf,
			inputIds: ids(4),
			outputIds: ids(4),
			filteredIds: [],
		});
		summary.add({ type: "run:end", ok: false, error: "killed" });
		const { ledger } = summary.build();
		expect(ledger.stages.map((row) => row.unsettled)).toEqual([0, 4]);
		expect(ledger.balanced).toBe(false);
	});
});
