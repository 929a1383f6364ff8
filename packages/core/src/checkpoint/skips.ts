import type { ProcessingStage } from "../stage.ts";
import type { Task } from "../task.ts";
import { partitionOf } from "./lineage.ts";

// Workers rebuild stages without their constructor: the set is made once per stage object, beside it.
const skipSets = new WeakMap<object, ReadonlySet<string>>();

/**
 * The tasks of `tasks` a resumed run still does at `stage` (see
 * `ProcessingStage.resumeSkips`), and the ids of those it skips; `tasks`
 * itself when the stage skips nothing.
 */
export function withoutSkipped<T extends Task>(
	stage: ProcessingStage,
	tasks: T[],
): { kept: T[]; skipped: string[] } {
	const skips = stage.resumeSkips;
	if (skips === undefined || skips.length === 0) return { kept: tasks, skipped: [] };
	let done = skipSets.get(stage);
	if (done === undefined) {
		done = new Set(skips);
		skipSets.set(stage, done);
	}
	const kept: T[] = [];
	const skipped: string[] = [];
	for (const task of tasks) {
		if (partitionOf(task.taskId, done) === undefined) kept.push(task);
		else skipped.push(task.taskId);
	}
	return { kept, skipped };
}
