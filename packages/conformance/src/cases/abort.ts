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
import { canListProcesses } from "../processes.ts";
import { expectNoWorkerLeft } from "../traits/no-worker-left.ts";

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
					const error = await kit.withExecutor((executor) => abortMidRun(kit, dir, executor));
					expect(error).toMatchObject({ code: ErrorCodes.aborted });
					const started = readJournal(dir, "GateStage").length;
					expect(started, "tasks started although the run was aborted").toBeLessThan(taskCount);
				});
			},
			noAbort,
		);

		kit.test(
			"a cancelled run leaves no worker process behind",
			(expect) => expectNoWorkerLeftAfterAbort(kit, expect),
			noAbort.when ? noAbort : { when: !canListProcesses, because: "needs Linux ps --ppid" },
		);
	});
}

/**
 * The trait "no worker process is left" on a run aborted when its first
 * batch is done: it rejects with `CURATOR_ABORTED` and leaves no process.
 */
async function expectNoWorkerLeftAfterAbort(
	kit: ConformanceKit,
	expect: ExpectStatic,
): Promise<void> {
	await kit.withTempDir(async (dir) => {
		const error = await expectNoWorkerLeft(kit, expect, (executor, workers) =>
			abortMidRun(kit, dir, executor, workers.onEvent),
		);
		expect(error).toMatchObject({ code: ErrorCodes.aborted });
	});
}

/**
 * Runs the gate pipeline on `executor` and aborts it when the first batch is
 * done; resolves to the run's error. `onEvent` sees every event too.
 */
async function abortMidRun(
	kit: ConformanceKit,
	dir: string,
	executor: BaseExecutor,
	onEvent?: (event: RunEvent) => void,
): Promise<unknown> {
	const controller = new AbortController();
	const abortAtFirstBatch = (event: RunEvent): void => {
		onEvent?.(event);
		if (event.type === "batch:done" && !controller.signal.aborted) {
			controller.abort(new Error("conformance abort"));
			openGate(dir);
		}
	};
	const stage = new GateStage({ dir, openAfter: 1, maxWaitMs: gateWaitMs(kit) });
	const pipeline = new Pipeline({ name: "abort", stages: [stage] });
	const run = pipeline.run(executor, numbersTasks(...rows(taskCount)), {
		signal: controller.signal,
		onEvent: abortAtFirstBatch,
	});
	return run.then(
		() => undefined,
		(caught: unknown) => caught,
	);
}
