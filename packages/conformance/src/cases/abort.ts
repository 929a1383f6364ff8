import { type BaseExecutor, ErrorCodes, Pipeline, type RunEvent } from "@curator/core";
import { describe, type ExpectStatic } from "vitest";
import { rows } from "../expectations.ts";
import {
	GateStage,
	LifecycleStage,
	numbersTasks,
	openGate,
	readJournal,
} from "../fixtures/index.ts";
import { type ConformanceKit, conformanceKit, type ExecutorFactory, gateWaitMs } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";
import {
	canListProcesses,
	descendantProcessesOf,
	liveProcesses,
	type ProcessInfo,
	waitUntilGone,
} from "../processes.ts";

const taskCount = 200;

/**
 * Cases "abort": an `AbortSignal` cancels a run. The kit aborts when the
 * first batch is done; the first task to reach the stage passes and every
 * other one waits at a gate until then, so the run cannot finish first,
 * whichever task the backend starts with. Skipped, visibly, when
 * `supports.abort` is false.
 */
export function registerAbortCases(factory: ExecutorFactory, options?: ConformanceOptions): void {
	const kit = conformanceKit(factory, options);
	const noAbort = { when: !kit.supports.abort, because: "supports.abort is false" };
	describe("abort", () => {
		kit.test(
			"a signal aborted before the run rejects before any stage is set up",
			async (expect) => {
				await kit.withTempDir(async (dir) => {
					const controller = new AbortController();
					controller.abort(new Error("conformance abort"));
					const run = kit.run([new LifecycleStage({ dir })], numbersTasks([1]), {
						signal: controller.signal,
					});
					await expect(run).rejects.toMatchObject({ code: ErrorCodes.aborted });
					expect(readJournal(dir)).toEqual([]);
				});
			},
			noAbort,
		);

		kit.test(
			"an AbortSignal cancels a run in progress: it rejects and the remaining tasks never start",
			async (expect) => {
				await kit.withTempDir(async (dir) => {
					const outcome = await kit.withExecutor((executor) => abortMidRun(kit, dir, executor));
					expect(outcome.error).toMatchObject({ code: ErrorCodes.aborted });
					const started = readJournal(dir, "GateStage").length;
					expect(started, "tasks started although the run was aborted").toBeLessThan(taskCount);
				});
			},
			noAbort,
		);

		kit.test(
			"a cancelled run leaves no worker process behind",
			(expect) => expectNoWorkerLeft(kit, expect),
			noAbort.when ? noAbort : { when: !canListProcesses, because: "needs Linux ps --ppid" },
		);
	});
}

/**
 * Workers reported by `worker:start` (other than this process) must be gone
 * when the aborted run settles; any other process the backend started must
 * be gone once the executor is disposed.
 */
async function expectNoWorkerLeft(kit: ConformanceKit, expect: ExpectStatic): Promise<void> {
	await kit.withTempDir(async (dir) => {
		const before = new Set(descendantProcessesOf().map((p) => p.pid));
		const outcome = await kit.withExecutor(async (executor) => {
			const result = await abortMidRun(kit, dir, executor);
			const workers = [...result.workerPids].filter((pid) => pid !== process.pid);
			const left = await waitUntilGone(() => liveProcesses(workers), kit.options.reapTimeoutMs);
			expect(describeAll(left), "workers still running after the run settled").toEqual([]);
			return result;
		});
		expect(outcome.error).toMatchObject({ code: ErrorCodes.aborted });
		const spawned = () => descendantProcessesOf().filter((p) => !before.has(p.pid));
		const left = await waitUntilGone(spawned, kit.options.reapTimeoutMs);
		expect(describeAll(left), "processes the backend started and left running").toEqual([]);
	});
}

interface AbortOutcome {
	error: unknown;
	/** Pids reported by `worker:start` events. */
	workerPids: Set<number>;
}

/** Runs the gate pipeline on `executor` and aborts it when the first batch is done. */
async function abortMidRun(
	kit: ConformanceKit,
	dir: string,
	executor: BaseExecutor,
): Promise<AbortOutcome> {
	const controller = new AbortController();
	const workerPids = new Set<number>();
	const onEvent = (event: RunEvent): void => {
		if (event.type === "worker:start" && event.pid !== undefined) workerPids.add(event.pid);
		if (event.type === "batch:done" && !controller.signal.aborted) {
			controller.abort(new Error("conformance abort"));
			openGate(dir);
		}
	};
	const stage = new GateStage({ dir, openAfter: 1, maxWaitMs: gateWaitMs(kit) });
	const pipeline = new Pipeline({ name: "abort", stages: [stage] });
	const run = pipeline.run(executor, numbersTasks(...rows(taskCount)), {
		signal: controller.signal,
		onEvent,
	});
	const error = await run.then(
		() => undefined,
		(caught: unknown) => caught,
	);
	return { error, workerPids };
}

function describeAll(processes: ProcessInfo[]): string[] {
	return processes.map((p) => `${p.pid} ${p.command}`);
}
