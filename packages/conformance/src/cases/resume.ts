import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, describe, type ExpectStatic, it } from "vitest";
import { type ConformanceOptions, resolveConformanceOptions } from "../options.ts";
import { canListProcesses } from "../processes.ts";
import { killRunners, type RunnerOutcome, runInRunner } from "../resume/child.ts";
import {
	expectUninterruptedOutput,
	type PublishedOutput,
	publishedOutput,
} from "../resume/output.ts";
import type { ExecutorModule, HoldPoint } from "../resume/protocol.ts";
import {
	caseFolders,
	fanOut,
	partitionCount,
	poisonedPartition,
	type ScenarioName,
} from "../resume/scenarios.ts";

const writer = "JsonlWriter";
const writerBatches = partitionCount * fanOut;

/**
 * Cases "resume after SIGKILL": the kit runs a pipeline (a source of six
 * partitions, a fan-out, a barrier or not, a `JsonlWriter`) in a `node`
 * process of its own, built from `executor` (a module the runner imports),
 * with a checkpoint; freezes the run at a point every backend reaches (the
 * N-th batch of a stage, or N partitions settled) and SIGKILLs its process
 * group and every process it started; then runs the same pipeline again
 * with the same checkpoint. The output folder must equal an uninterrupted
 * run's: same files, same content, no row twice, none lost, the same
 * `_SUCCESS` manifest apart from run ids; and no process of the killed run
 * may be left. Also: a run failed by a poisoned task and run again with the
 * poison off; and, without a barrier, the run again skips the settled
 * partitions. Each case runs up to three pipelines, so it gets three times
 * the case timeout. Skipped, visibly, where `ps` and process groups are
 * missing (not Linux).
 *
 * @example
 * registerResumeCases({ module: new URL("./resume-executor.ts", import.meta.url).href, export: "createExecutor" });
 */
export function registerResumeCases(executor: ExecutorModule, options?: ConformanceOptions): void {
	const resolved = resolveConformanceOptions(options);
	const timeoutMs = resolved.timeoutMs * 3;
	const skip = canListProcesses ? "" : " (skipped: needs Linux ps and process groups)";
	const test = (name: string, body: (expect: ExpectStatic, dir: string) => Promise<void>) =>
		it.skipIf(skip !== "")(
			`${name}${skip}`,
			async ({ expect }) => {
				const dir = await mkdtemp(join(resolved.tempDir, "curator-resume-"));
				try {
					await body(expect, dir);
				} finally {
					await rm(dir, { recursive: true, force: true });
				}
			},
			timeoutMs,
		);
	const run = (scenario: ScenarioName, dir: string, hold?: HoldPoint, checkpoint = true) =>
		runInRunner(
			{ executor, scenario, dir, checkpoint, holdMs: timeoutMs, ...(hold ? { hold } : {}) },
			resolved.reapTimeoutMs,
		);
	const uninterrupted = baselines(resolved.tempDir, (scenario, dir) =>
		run(scenario, dir, undefined, false),
	);

	/** Kills the run at each of `holds` in turn, then runs it to the end; checks the output. */
	const killedAt = async (
		expect: ExpectStatic,
		dir: string,
		holds: HoldPoint[],
		scenario: ScenarioName = "barrier",
	) => {
		for (const hold of holds) {
			const killed = await run(scenario, dir, hold);
			expectKilled(expect, killed);
		}
		const resumed = await run(scenario, dir);
		expectFinished(expect, resumed);
		const { out, checkpoint } = caseFolders(dir);
		const runId = await checkpointRunId(checkpoint);
		expectUninterruptedOutput(
			expect,
			await publishedOutput(out),
			await uninterrupted(scenario),
			runId,
		);
	};

	describe("resume after SIGKILL", () => {
		afterEach(killRunners);
		afterAll(uninterrupted.dispose);

		test("killed before the barrier, the run again ends with the uninterrupted output", (expect, dir) =>
			killedAt(expect, dir, [{ stage: "SplitStage", batches: 1 }]));

		test("killed after the writer's first batch, then in the middle of the writer, the run again ends with the uninterrupted output", (expect, dir) =>
			killedAt(expect, dir, [
				{ stage: writer, batches: 1 },
				{ stage: writer, batches: writerBatches / 2 },
			]));

		test("killed after the writer's last batch, before the commit, the run again ends with the uninterrupted output", (expect, dir) =>
			killedAt(expect, dir, [{ stage: writer, batches: writerBatches }]));

		test("killed after the commit, before the checkpoint recorded the end, the run again keeps the uninterrupted output, with a barrier", (expect, dir) =>
			killedAt(expect, dir, [{ committed: true }]));

		test("killed after the commit, before the checkpoint recorded the end, the run again keeps the uninterrupted output, without a barrier", (expect, dir) =>
			killedAt(expect, dir, [{ committed: true }], "linear"));

		test("without a barrier, the run again skips the partitions the killed run settled", async (expect, dir) => {
			expectKilled(expect, await run("linear", dir, { settled: 2 }));
			const { out, checkpoint } = caseFolders(dir);
			const settled = await settledPartitions(checkpoint);
			expect(settled.length, "partitions settled before the kill").toBeGreaterThanOrEqual(2);
			const resumed = await run("linear", dir);
			expectFinished(expect, resumed);
			const split = resumed.done?.stages.find((s) => s.stage === "SplitStage");
			expect(
				split,
				"the stage after the source: all partitions in, the settled ones skipped",
			).toEqual({
				stage: "SplitStage",
				tasksIn: partitionCount,
				filteredTasks: settled.length,
			});
			const written = resumed.done?.stages.find((s) => s.stage === writer)?.tasksIn;
			expect(written, "files written again").toBe((partitionCount - settled.length) * fanOut);
			const runId = await checkpointRunId(checkpoint);
			expectUninterruptedOutput(
				expect,
				await publishedOutput(out),
				await uninterrupted("linear"),
				runId,
			);
		});

		test("a run failed by a poisoned task, run again with the stage fixed, ends with the uninterrupted output", async (expect, dir) => {
			const { out, checkpoint, marker } = caseFolders(dir);
			await writeFile(marker, "poisoned");
			const failed = await run("poisoned", dir);
			expect(failed.failed?.message, "the poisoned run's error").toContain(poisonedPartition);
			expect(failed.left, "processes of the failed run still running").toEqual([]);
			const settled = await settledPartitions(checkpoint);
			expect(settled, "settled partitions of the failed run").not.toContain(poisonedPartition);
			await rm(marker);
			const resumed = await run("poisoned", dir);
			expectFinished(expect, resumed);
			const runId = await checkpointRunId(checkpoint);
			expectUninterruptedOutput(
				expect,
				await publishedOutput(out),
				await uninterrupted("poisoned"),
				runId,
			);
		});
	});
}

function expectKilled(expect: ExpectStatic, outcome: RunnerOutcome): void {
	expect(outcome.failed, `the run before its kill point\n${outcome.stderr}`).toBeUndefined();
	expect(outcome.killed, `the run reached its kill point\n${outcome.stderr}`).toBe(true);
	expect(outcome.left, "processes of the killed run still running").toEqual([]);
}

function expectFinished(expect: ExpectStatic, outcome: RunnerOutcome): void {
	expect(outcome.failed, `the run's error\n${outcome.stderr}`).toBeUndefined();
	expect(outcome.done, `the run finished\n${outcome.stderr}`).toBeDefined();
	expect(outcome.left, "processes of the run still running").toEqual([]);
}

async function checkpointRunId(checkpoint: string): Promise<string> {
	const text = await readFile(join(checkpoint, "checkpoint.json"), "utf8");
	return (JSON.parse(text) as { runId: string }).runId;
}

/** The partitions a checkpoint folder records as settled (complete lines of `done.log`). */
async function settledPartitions(checkpoint: string): Promise<string[]> {
	const lines = (await readFile(join(checkpoint, "done.log"), "utf8")).split("\n");
	lines.pop();
	return lines;
}

/**
 * The uninterrupted run of each scenario, run once (in the runner, without
 * a checkpoint) when a case first needs it, in a folder removed by `dispose`.
 */
function baselines(
	tempDir: string,
	runUninterrupted: (scenario: ScenarioName, dir: string) => Promise<RunnerOutcome>,
) {
	const runs = new Map<ScenarioName, Promise<PublishedOutput>>();
	const dirs: string[] = [];
	const get = (scenario: ScenarioName): Promise<PublishedOutput> => {
		let found = runs.get(scenario);
		if (found === undefined) {
			found = (async () => {
				const dir = await mkdtemp(join(tempDir, `curator-uninterrupted-${scenario}-`));
				dirs.push(dir);
				const outcome = await runUninterrupted(scenario, dir);
				if (outcome.done === undefined) {
					throw new Error(
						`the uninterrupted ${scenario} run failed: ${outcome.failed?.message}\n${outcome.stderr}`,
					);
				}
				return publishedOutput(caseFolders(dir).out);
			})();
			runs.set(scenario, found);
		}
		return found;
	};
	return Object.assign(get, {
		dispose: async () => {
			await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
		},
	});
}
