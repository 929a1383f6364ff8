import { CuratorError, ErrorCodes } from "./errors.ts";
import type { StageOutput } from "./stage.ts";
import { isTask, type Task } from "./task.ts";

/**
 * Task-id rules. Ids are derived by the framework, never set by stages, and
 * depend only on the input ids and what each call returned, so two runs of a
 * pipeline on the same input give the same ids on every backend, whatever the
 * batching.
 *
 * 1. Roots: a run without initial tasks starts from `EmptyTask` (id `"0"`);
 *    initial tasks get `0_0`, `0_1`, ... in the order given.
 * 2. Positional: when a batch call returns one entry per input, entry `i`
 *    belongs to input `i`. A task entry gets `<parent>_0`; an array entry
 *    (fan-out) gets `<parent>_0`, `<parent>_1`, ...; `null` is a filtered slot
 *    and produces nothing, without shifting the other entries.
 * 3. Single input: a call with one input that returns a flat list of any
 *    length is a fan-out of that input (`<parent>_j`).
 * 4. Source stages: a task leaving a source stage whose `deterministicId()`
 *    returns a string takes that id instead.
 * 5. Ambiguous: a call with several inputs that returns a flat list of another
 *    length cannot be traced to parents; each output gets a random id
 *    prefixed `r` (not reproducible: avoid such stages where ids matter).
 */
export interface ParentedTask<Out extends Task> {
	task: Out;
	/** The input the task was derived from (the first input for ambiguous batches). */
	parent: Task;
}

/** Applies the rules above to one batch call; returns the outputs with their parents. */
export function assignTaskIds<Out extends Task>(
	stageName: string,
	inputs: readonly Task[],
	results: readonly StageOutput<Out>[],
	isSource: boolean,
): ParentedTask<Out>[] {
	const outputs: ParentedTask<Out>[] = [];
	const first = inputs[0];
	if (first === undefined) return outputs;
	if (results.length === inputs.length) {
		results.forEach((entry, index) => {
			const parent = inputs[index] as Task;
			childrenOf(stageName, entry).forEach((task, j) => {
				task.taskId = `${parent.taskId}_${j}`;
				outputs.push({ task, parent });
			});
		});
	} else if (inputs.length === 1) {
		flatten(stageName, results).forEach((task, j) => {
			task.taskId = `${first.taskId}_${j}`;
			outputs.push({ task, parent: first });
		});
	} else {
		for (const task of flatten(stageName, results)) {
			task.taskId = randomTaskId();
			outputs.push({ task, parent: first });
		}
	}
	if (isSource) {
		for (const { task } of outputs) {
			const contentId = task.deterministicId?.();
			if (typeof contentId === "string" && contentId.length > 0) task.taskId = contentId;
		}
	}
	return outputs;
}

/** Ids for the initial tasks of a run (rule 1). */
export function rootTaskId(index: number): string {
	return `0_${index}`;
}

/** A random `r`-prefixed id (rule 5). */
export function randomTaskId(): string {
	return `r${globalThis.crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
}

function childrenOf<Out extends Task>(stageName: string, entry: StageOutput<Out>): Out[] {
	if (entry === null || entry === undefined) return [];
	const list = Array.isArray(entry) ? entry : [entry];
	for (const task of list) assertTask(stageName, task);
	return list;
}

function flatten<Out extends Task>(stageName: string, results: readonly StageOutput<Out>[]): Out[] {
	return results.flatMap((entry) => childrenOf(stageName, entry));
}

function assertTask(stageName: string, value: unknown): void {
	if (!isTask(value)) {
		throw new CuratorError(
			ErrorCodes.invalidTask,
			`stage "${stageName}" returned ${describe(value)} where a Task, an array of Tasks or null was expected`,
		);
	}
}

function describe(value: unknown): string {
	if (value === null || value === undefined) return String(value);
	if (typeof value === "object") return `an instance of ${value.constructor?.name ?? "Object"}`;
	return `a ${typeof value}`;
}
