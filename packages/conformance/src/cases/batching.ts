import type { RunEvent } from "@curator/core";
import { describe, type ExpectStatic } from "vitest";
import { batchesOf, expectReferenceOutputs, idsAndData, rows } from "../expectations.ts";
import { numbersTasks, PairBatchStage } from "../fixtures/index.ts";
import { type ConformanceKit, conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

const inputCount = 10;

// PairBatchStage on [1] ... [10]: odd -> filtered, multiple of 4 -> two tasks, else one.
const expected = [
	["0_1_0", [2]],
	["0_3_0", [4]],
	["0_3_1", [-4]],
	["0_5_0", [6]],
	["0_7_0", [8]],
	["0_7_1", [-8]],
	["0_9_0", [10]],
];

/**
 * Cases "batching": `batchSize` 1, N and larger than the input. Outputs never
 * depend on batching; every batch holds between 1 and `batchSize` tasks, and
 * together they hold every input exactly once.
 */
export function registerBatchingCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	describe("batching", () => {
		kit.test("batchSize 1: every batch holds one task", async (expect) => {
			const batches = await runBatched(kit, expect, 1);
			expect(
				batches.every((size) => size === 1),
				`batch sizes ${batches.join(", ")}`,
			).toBe(true);
		});

		kit.test("batchSize 3: batches hold at most 3 tasks", async (expect) => {
			const batches = await runBatched(kit, expect, 3);
			expect(Math.max(...batches), `batch sizes ${batches.join(", ")}`).toBeLessThanOrEqual(3);
		});

		kit.test(
			"batchSize larger than the input: the run does not wait for a full batch",
			async (expect) => {
				const batches = await runBatched(kit, expect, 50);
				expect(Math.max(...batches)).toBeLessThanOrEqual(inputCount);
			},
		);
	});
}

async function runBatched(
	kit: ConformanceKit,
	expect: ExpectStatic,
	batchSize: number,
): Promise<number[]> {
	const events: RunEvent[] = [];
	const result = await expectReferenceOutputs(kit, expect, {
		stages: () => [new PairBatchStage({ batchSize })],
		inputs: () => numbersTasks(...rows(inputCount, 1)),
		onEvent: (event) => events.push(event),
	});
	expect(idsAndData(result.tasks)).toEqual(expected);
	const sizes = batchesOf(events, "PairBatchStage").map((event) => event.tasksIn);
	expect(Math.min(...sizes), "every batch holds at least one task").toBeGreaterThanOrEqual(1);
	expect(
		sizes.reduce((sum, n) => sum + n, 0),
		"batch:done events account for every input task once",
	).toBe(inputCount);
	for (const task of result.tasks) {
		const perf = task.stagePerf.at(-1);
		expect(perf?.numTasksProcessed ?? 0, "tasks in the batch's perf record").toBeLessThanOrEqual(
			batchSize,
		);
	}
	return sizes;
}
