import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type ReportedTest, runNestedVitest, testsOf } from "./nested-vitest.ts";

// The kit runs (in a nested vitest) on backend-local and on ten broken
// executors (test/fixtures/broken-executors.ts), and its spill case on an
// executor that spills and on three that get a failed spill wrong
// (test/fixtures/spilling-executor.ts); each bug must fail exactly the kit
// cases that guard against it, and nothing else.
const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const casesPerBackend = 72;
let tests: ReportedTest[] = [];

beforeAll(async () => {
	tests = await runNestedVitest(fixtures, 330_000);
}, 340_000);

const failed = (suite: string) => testsOf(tests, suite, "failed");
const spillCase =
	"spill > a spill folder that fails writes fails the run with CURATOR_SPILL_FAILED naming the folder, not the stage, even with ignoreFailures";

describe("the kit against deliberately broken executors", () => {
	it("runs every case on each backend", () => {
		for (const suite of ["control: backend-local", "broken: skipTeardown"]) {
			expect(tests.filter((t) => t.ancestorTitles[0] === suite)).toHaveLength(casesPerBackend);
		}
	});

	it("passes backend-local, skipping the cases it does not support, by name", () => {
		expect(failed("control: backend-local")).toEqual([]);
		expect(testsOf(tests, "control: backend-local", "skipped")).toEqual([
			"capabilities > a stage asking for gpus, which the backend does not schedule, fails before any work (skipped: the backend schedules gpus)",
			"capabilities > a stage asking for gpuMemoryGb, which the backend does not schedule, fails before any work (skipped: the backend schedules gpuMemoryGb)",
			"options > an unknown key in a stage's own backend options is refused by name before any work (skipped: the backend declares no per-stage options)",
			"process isolation > a worker that dies mid-batch fails the run with the stage name and task ids (skipped: supports.processIsolation is false)",
			"process isolation > a batch whose worker died is retried and the run completes (skipped: supports.processIsolation is false)",
			"streaming > a later stage processes tasks while an earlier stage is still busy (skipped: supports.streaming is false)",
			"stage errors retried > a stage that throws once is retried (numRunAttempts 2) and every task comes out (skipped: supports.retries is false)",
			"stage errors retried > a stage that always throws is tried numRunAttempts (1) times, then fails the run naming them (skipped: supports.retries is false)",
			"stage errors retried > a stage that always throws is tried numRunAttempts (3) times, then fails the run naming them (skipped: supports.retries is false)",
			"worker faults > a worker dying on every attempt fails the run naming the stage, the tasks, the attempts and the exit (skipped: supports.processIsolation is false)",
			"worker faults > with ignoreFailures the report lists exactly the failed batch and every other task comes out (skipped: supports.processIsolation is false)",
			`${spillCase} (skipped: supports.spill is false)`,
		]);
	});

	it("(a) catches an executor that skips teardown", () => {
		expect(failed("broken: skipTeardown")).toEqual([
			"lifecycle > teardown runs once for every worker that ran setup",
			"lifecycle > teardown runs for every worker that ran setup, also when a stage fails",
		]);
	});

	it("(b) catches an executor that loses filtered-slot alignment of task ids", () => {
		expect(failed("broken: misalignFilteredSlots")).toEqual([
			"factory > two executors run side by side without interfering",
			"filtering > filtered slots keep the other slots' ids aligned within a batch",
			"batching > batchSize 3: batches hold at most 3 tasks",
			"batching > batchSize larger than the input: the run does not wait for a full batch",
			"batch records > every batch is recorded with its input, output and filtered task ids, as on the reference",
			"stage kinds > a processBatch() stage with fan-out and filtered slots gives the reference outputs",
			"determinism > outputs and task ids equal the reference run",
		]);
	});

	it("(c) catches an executor that drops the perf stats of one stage", () => {
		expect(failed("broken: dropStagePerf")).toEqual([
			"composite > decomposes into its stages with per-stage overrides applied",
			"perf > every output carries one StagePerfStats per stage, in pipeline order",
			"perf > a perf record counts its batch's input tasks and items",
			"custom metrics > travel on the output tasks (aggregateStageMetrics)",
		]);
	});

	it("(d) catches an executor that swallows a stage error", () => {
		expect(failed("broken: swallowStageError")).toEqual([
			"lifecycle > teardown runs for every worker that ran setup, also when a stage fails",
			"stage errors > process() stage as the source: the run rejects with the stage name and the task ids",
			"stage errors > processBatch() stage after a fan-out: the run rejects with the stage name and the task ids",
			"stage errors > sink stage after a filter: the run rejects with the stage name and the task ids",
			"output folder > a run failing after the writer wrote leaves no file under a final name and no _SUCCESS",
			"ignoreFailures > with ignoreFailures a batch whose stage throws is reported (stage, task ids, error, attempts) and every other task comes out",
			"ignoreFailures > with ignoreFailures the batch records of every stage add up when the last of three stages throws",
			"ignoreFailures > without ignoreFailures a batch whose stage throws fails the run, naming the stage and the tasks",
			"resume after SIGKILL > a run failed by a poisoned task, run again with the stage fixed, ends with the uninterrupted output",
		]);
	});

	it("(e) catches an executor that leaves a worker process running after an abort", () => {
		expect(failed("broken: leakWorkerOnAbort")).toEqual([
			"abort > a cancelled run leaves no worker process behind",
		]);
	});

	it("(f) catches an executor that claims streaming but runs stage after stage", () => {
		expect(failed("broken: claimStreaming")).toEqual([
			"streaming > a later stage processes tasks while an earlier stage is still busy",
		]);
	});

	it("(g) catches an executor that splits a barrier's input over several calls", () => {
		expect(failed("broken: splitBarrierInput")).toEqual([
			"barrier > a barrier stage gets every task of the run in one call, in task-id order",
			"barrier > a barrier with run-wide state keeps the first copy of each value in task-id order",
		]);
	});

	it("(h) catches an executor that loses a failed batch from the failure report", () => {
		expect(failed("broken: loseFailureReport")).toEqual([
			"ignoreFailures > with ignoreFailures a batch whose stage throws is reported (stage, task ids, error, attempts) and every other task comes out",
			"ignoreFailures > with ignoreFailures the batch records of every stage add up when the last of three stages throws",
		]);
	});

	it("(i) catches an executor that runs a stage without a resource kind it does not schedule", () => {
		expect(failed("broken: ignoreUndeclaredKind")).toEqual([
			"capabilities > a stage asking for nvdecs, which the backend does not schedule, fails before any work",
			"capabilities > a stage asking for nvencs, which the backend does not schedule, fails before any work",
			"capabilities > a stage asking for entireGpu, which the backend does not schedule, fails before any work",
		]);
	});

	it("(j) catches an executor that drops a batch's record", () => {
		expect(failed("broken: dropBatchRecord")).toEqual([
			"batch records > every batch is recorded with its input, output and filtered task ids, as on the reference",
			"ignoreFailures > with ignoreFailures a batch whose stage throws is reported (stage, task ids, error, attempts) and every other task comes out",
			"ignoreFailures > with ignoreFailures the batch records of every stage add up when the last of three stages throws",
			// A lost record leaves its partition unsettled and the summary's counts short.
			"resume after SIGKILL > without a barrier, the run again skips the partitions the killed run settled",
		]);
	});

	it("(n) catches an executor that does every partition again on resume", () => {
		expect(failed("broken: ignoreResumeSkips")).toEqual([
			"resume after SIGKILL > without a barrier, the run again skips the partitions the killed run settled",
		]);
	});

	it("passes an executor that spills and fails the run when a spill write fails", () => {
		expect(testsOf(tests, "control: spilling", "passed")).toEqual([spillCase]);
	});

	it("(k) catches an executor that records a failed spill write against the stage", () => {
		expect(failed("broken: spillAsStageFailure")).toEqual([spillCase]);
	});

	it("(l) catches an executor whose spill error names neither the folder nor the setting", () => {
		expect(failed("broken: spillErrorWithoutFolder")).toEqual([spillCase]);
	});

	it("(m) catches an executor that leaves its worker running after a failed spill write", () => {
		expect(failed("broken: leakWorkerOnSpillFailure")).toEqual([spillCase]);
	});

	it("has every case of the kit documented in the README's table", async () => {
		const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
		const control = tests.filter((t) => t.ancestorTitles[0] === "control: backend-local");
		const titles = control.map((t) => t.title.replace(/ \(skipped: .*\)$/, ""));
		expect(titles.filter((title) => !readme.includes(`| ${title} |`))).toEqual([]);
	});

	it("says what went wrong in each failure", () => {
		const message = (suite: string, title: string) =>
			tests
				.find((t) => t.ancestorTitles[0] === suite && t.title.startsWith(title))
				?.failureMessages.join("\n");
		expect(message("broken: skipTeardown", "teardown runs once")).toContain(
			"LifecycleA: teardown calls, by worker that ran setup",
		);
		expect(message("broken: misalignFilteredSlots", "filtered slots")).toContain(
			"outputs, sorted by task id, against the reference run",
		);
		expect(message("broken: swallowStageError", "process() stage as the source")).toContain(
			"expected number of assertions to be 5, but got 0",
		);
		expect(message("broken: splitBarrierInput", "a barrier with run-wide state")).toContain(
			"outputs, sorted by task id, against the reference run",
		);
		expect(message("broken: ignoreUndeclaredKind", "a stage asking for nvdecs")).toContain(
			"stage calls (preflight included) before the failure",
		);
		expect(message("broken: dropBatchRecord", "every batch is recorded")).toContain(
			"per-stage ledgers against the reference run",
		);
		expect(message("broken: ignoreResumeSkips", "without a barrier")).toContain(
			"the stage after the source: all partitions in, the settled ones skipped",
		);
		expect(message("broken: dropBatchRecord", "without a barrier")).toContain(
			"the stage after the source: all partitions in, the settled ones skipped",
		);
		expect(message("broken: leakWorkerOnAbort", "a cancelled run")).toMatch(
			/workers still running after the run settled[\s\S]*sleep 600/,
		);
		expect(message("broken: spillAsStageFailure", "a spill folder")).toContain(
			"the run's outcome: expected undefined to be an instance of Error",
		);
		expect(message("broken: spillErrorWithoutFolder", "a spill folder")).toContain(
			"expected 'spilling: cannot write a spilled task' to match",
		);
		expect(message("broken: leakWorkerOnSpillFailure", "a spill folder")).toMatch(
			/workers still running after the run settled[\s\S]*sleep 600/,
		);
	});
});
