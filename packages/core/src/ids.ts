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
 *    and produces nothing, without shifting the other entries. Only `null`
 *    filters: `undefined` (a forgotten `return`, or a hole in the array a
 *    `processBatch` returned) is an error naming the stage and the input,
 *    never a silent drop.
 * 3. Single input: a call with one input that returns a flat list of any
 *    length is a fan-out of that input (`<parent>_j`).
 * 4. Source stages: a task leaving a source stage whose `deterministicId()`
 *    returns a string takes that id instead.
 * 5. Ambiguous: a call with several inputs that returns a flat list of another
 *    length cannot be traced to parents; each output gets a random id
 *    prefixed `r` (not reproducible: avoid such stages where ids matter).
 *
 * An input is filtered when its slot produced no task: `null` or an empty
 * array (rule 2), an empty list for a single input (rule 3), or an empty
 * list for several inputs (rule 5; a non-empty one filters none of them).
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
	const { tasks, parents } = assignTaskIdsInOrder(stageName, inputs, results, isSource);
	return tasks.map((task, i) => ({ task, parent: parents[i] as Task }));
}

/**
 * {@link assignTaskIds} in the form adapters use on every batch: the outputs
 * and, at the same index, their parents (no object per output).
 */
export function assignTaskIdsInOrder<Out extends Task>(
	stageName: string,
	inputs: readonly Task[],
	results: readonly StageOutput<Out>[],
	isSource: boolean,
): AssignedIds<Out> {
	const tasks: Out[] = [];
	const parents: Task[] = [];
	const filtered: number[] = [];
	const first = inputs[0];
	if (first === undefined) return { tasks, parents, filtered };
	if (results.length === inputs.length) {
		for (let i = 0; i < results.length; i++) {
			const entry = results[i];
			const parent = inputs[i] as Task;
			if (entry === null) {
				filtered.push(i);
				continue;
			}
			if (entry === undefined) throw missingResult(stageName, parent.taskId, i);
			if (!Array.isArray(entry)) {
				// The common case, a single task (entry 0), without an inner loop or a number to format.
				assertTask(stageName, entry);
				entry.taskId = `${parent.taskId}_0`;
				tasks.push(entry);
				parents.push(parent);
				continue;
			}
			if (entry.length === 0) filtered.push(i);
			for (let j = 0; j < entry.length; j++) {
				const task = entry[j] as Out;
				assertTask(stageName, task);
				task.taskId = `${parent.taskId}_${j}`;
				tasks.push(task);
				parents.push(parent);
			}
		}
	} else {
		const hole = indexOfUndefined(results);
		if (hole !== -1) throw missingResult(stageName, undefined, hole);
		const flat = flatten(stageName, results);
		if (flat.length === 0) for (let i = 0; i < inputs.length; i++) filtered.push(i);
		const traced = inputs.length === 1;
		for (let j = 0; j < flat.length; j++) {
			const task = flat[j] as Out;
			task.taskId = traced ? `${first.taskId}_${j}` : randomTaskId();
			tasks.push(task);
			parents.push(first);
		}
	}
	if (isSource) {
		for (const task of tasks) {
			const contentId = task.deterministicId?.();
			if (typeof contentId === "string" && contentId.length > 0) task.taskId = contentId;
		}
	}
	return { tasks, parents, filtered };
}

/** What {@link assignTaskIdsInOrder} gives: outputs, their parents, and the filtered inputs. */
export interface AssignedIds<Out extends Task> {
	tasks: Out[];
	/** At the index of each output, the input it came from. */
	parents: Task[];
	/** Indices of the inputs that produced no task, ascending. */
	filtered: number[];
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
	if (entry === null) return [];
	const list = Array.isArray(entry) ? entry : [entry];
	for (const task of list) assertTask(stageName, task);
	return list;
}

function flatten<Out extends Task>(stageName: string, results: readonly StageOutput<Out>[]): Out[] {
	return results.flatMap((entry) => childrenOf(stageName, entry));
}

function indexOfUndefined(results: readonly unknown[]): number {
	// A plain loop: `indexOf(undefined)` skips the holes of a sparse array.
	for (let i = 0; i < results.length; i++) if (results[i] === undefined) return i;
	return -1;
}

function missingResult(stageName: string, taskId: string | undefined, index: number): CuratorError {
	const input = taskId === undefined ? "" : ` for input task ${taskId}`;
	return new CuratorError(
		ErrorCodes.invalidTask,
		`stage "${stageName}" returned undefined${input} (result ${index}): return null to filter a task out; undefined is usually a missing return`,
	);
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
