import type { PipelineStage, RunEvent, RunObserver, RunResult, Task } from "@curator/core";
import type { ExpectStatic } from "vitest";
import { contentOf, snapshotTasks } from "./compare.ts";
import type { ConformanceKit } from "./kit.ts";

/** A pipeline and its input, made fresh for every run (runs mutate tasks). */
export interface Scenario {
	stages: () => PipelineStage[];
	/** Initial tasks; omitted: the run starts from `EmptyTask`. */
	inputs?: () => Task[];
	/** Receives the backend run's events. */
	onEvent?: (event: RunEvent) => void;
	/** Receives the backend run's batch records. */
	observer?: RunObserver;
}

/**
 * Runs `scenario` on the backend and on the reference executor and expects
 * the same content ({@link contentOf}: every output's class, dataset, data,
 * metadata and item count, keyed by task id); returns the backend's result.
 */
export async function expectReferenceOutputs(
	kit: ConformanceKit,
	expect: ExpectStatic,
	scenario: Scenario,
): Promise<RunResult> {
	const actual = await kit.run(scenario.stages(), scenario.inputs?.(), {
		...(scenario.onEvent === undefined ? {} : { onEvent: scenario.onEvent }),
		...(scenario.observer === undefined ? {} : { observer: scenario.observer }),
	});
	const expected = await kit.reference(scenario.stages(), scenario.inputs?.());
	expect(contentOf(actual.tasks), "outputs, sorted by task id, against the reference run").toEqual(
		contentOf(expected.tasks),
	);
	return actual;
}

/** `[taskId, data]` of every task, in task-id order. */
export function idsAndData(tasks: readonly Task[]): [string, unknown][] {
	return snapshotTasks(tasks).map((snapshot) => [snapshot.taskId, snapshot.data]);
}

/** A `batch:done` event. */
export type BatchDoneEvent = Extract<RunEvent, { type: "batch:done" }>;

/** An event log and the listener that fills it. */
export function eventLog(): { events: RunEvent[]; onEvent: (event: RunEvent) => void } {
	const events: RunEvent[] = [];
	return { events, onEvent: (event) => events.push(event) };
}

/** The `batch:done` events of `stage`. */
export function batchesOf(events: readonly RunEvent[], stage: string): BatchDoneEvent[] {
	return events.filter(
		(event): event is BatchDoneEvent => event.type === "batch:done" && event.stage === stage,
	);
}

/** `[[0], [1], ..., [count - 1]]`: one single-number row per task. */
export function rows(count: number, from = 0): number[][] {
	return Array.from({ length: count }, (_, i) => [from + i]);
}
