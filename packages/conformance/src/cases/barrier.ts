import { compareTaskIds, type RunEvent } from "@curator/core";
import { describe, type ExpectStatic } from "vitest";
import { batchesOf, expectReferenceOutputs, idsAndData, type Scenario } from "../expectations.ts";
import {
	BarrierProbeStage,
	GenerateStage,
	MultiplyStage,
	numbersTasks,
	UniqueNumbersStage,
} from "../fixtures/index.ts";
import { type ConformanceKit, conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

const taskCount = 12;

/**
 * Cases "barrier": a stage whose `batchSize` is at least core's
 * `BARRIER_BATCH_SIZE` gets every task of the run in one call, in task-id
 * order (core's `compareTaskIds`), never in arrival order, so what it
 * decides is the same on every backend and in every run. Each case feeds the
 * barrier from a stage with `batchSize` 1, so its input arrives in many
 * pieces, and compares the outputs' content with the reference run.
 */
export function registerBarrierCases(factory: ExecutorFactory, options?: ConformanceOptions): void {
	const kit = conformanceKit(factory, options);
	describe("barrier", () => {
		kit.test(
			"a barrier stage gets every task of the run in one call, in task-id order",
			async (expect) => {
				// Content ids part-0 ... part-11 arrive in that order, but part-10 sorts before part-2.
				const ids = Array.from({ length: taskCount }, (_, i) => `part-${i}_0`).sort(compareTaskIds);
				const result = await runBarrier(kit, expect, "BarrierProbeStage", {
					stages: () => [
						new GenerateStage({ count: taskCount, width: 1, keyPrefix: "part" }),
						new MultiplyStage({ factor: 1, batchSize: 1 }),
						new BarrierProbeStage(),
					],
				});
				// Each output holds its number, its position in the call and the call's size.
				expect(idsAndData(result)).toEqual(
					ids.map((id, position) => [`${id}_0`, [partNumber(id), position, taskCount]]),
				);
			},
		);

		kit.test(
			"a barrier with run-wide state keeps the first copy of each value in task-id order",
			async (expect) => {
				// Task i holds i + 1 and one of three shared values: only tasks 0_0, 0_1, 0_2 keep theirs
				// (in arrival or text order, other copies would survive, in the same number).
				const rows = Array.from({ length: taskCount }, (_, i) => [i + 1, 100 + (i % 3)]);
				const result = await runBarrier(kit, expect, "UniqueNumbersStage", {
					stages: () => [new MultiplyStage({ factor: 1, batchSize: 1 }), new UniqueNumbersStage()],
					inputs: () => numbersTasks(...rows),
				});
				expect(idsAndData(result)).toEqual(
					rows.map((row, i) => [`0_${i}_0_0`, i < 3 ? row : [i + 1]]),
				);
			},
		);
	});
}

/** Runs `scenario` against the reference; expects one call of `barrier` with every task. */
async function runBarrier(
	kit: ConformanceKit,
	expect: ExpectStatic,
	barrier: string,
	scenario: Scenario,
) {
	const events: RunEvent[] = [];
	const result = await expectReferenceOutputs(kit, expect, {
		...scenario,
		onEvent: (event) => events.push(event),
	});
	const calls = batchesOf(events, barrier).map((event) => event.tasksIn);
	expect(calls, `${barrier}: tasks in each call`).toEqual([taskCount]);
	return result.tasks;
}

/** The number GenerateStage gave task `part-<i>_0`: i + 1. */
function partNumber(id: string): number {
	return Number(/^part-(\d+)_/.exec(id)?.[1]) + 1;
}
