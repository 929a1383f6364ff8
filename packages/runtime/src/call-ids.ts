import { type BatchCallStats, CuratorError, ErrorCodes } from "@curator/core";
import type { StageCallStats } from "./protocol.ts";

/*
 * The task ids of a stage call cost more to send than the rest of its stats
 * on small batches, and the process that sent the batch can derive most of
 * them: it knows the batch's input ids, and the common call maps each input
 * to one output named `<input>_0` (core's positional id rule). A host asked
 * for `derivedIds` leaves out what the sender can derive; the sender puts it
 * back here, so what a backend reports is the same either way.
 */

/**
 * The stats of one call as a host asked for `derivedIds` sends them: without
 * `inputIds` (the sender knows them), without `outputIds` when each input not
 * filtered gave one output `<input>_0`, without `filteredIds` when none was.
 */
export function withoutDerivableIds(stats: BatchCallStats): StageCallStats {
	const { inputIds, outputIds, filteredIds } = stats;
	const compact: StageCallStats = {
		stage: stats.stage,
		tasksIn: stats.tasksIn,
		tasksOut: stats.tasksOut,
		itemsIn: stats.itemsIn,
		itemsOut: stats.itemsOut,
		perf: stats.perf,
	};
	if (!isPositionalOneToOne(inputIds, outputIds, filteredIds)) compact.outputIds = outputIds;
	if (filteredIds.length > 0) compact.filteredIds = filteredIds;
	return compact;
}

/**
 * The full stats of the calls of one batch through a chain of stages, from
 * what a host sent for `derivedIds`: the entries themselves, completed in
 * place (entries with every id are kept as they are). `batchIds` are the ids
 * of the batch's tasks, in the order sent. A chain's calls come stage by
 * stage, each stage's calls taking the previous stage's outputs in order, so
 * each call's inputs are the next `tasksIn` ids.
 */
export function withDerivedIds(
	entries: StageCallStats[],
	batchIds: readonly string[],
): BatchCallStats[] {
	let inputs = batchIds;
	let next: string[] = [];
	let cursor = 0;
	for (const [index, entry] of entries.entries()) {
		if (cursor === inputs.length && next.length > 0) {
			inputs = next;
			next = [];
			cursor = 0;
		}
		const inputIds = entry.inputIds ?? idsFrom(inputs, cursor, entry.tasksIn);
		if (inputIds.length !== entry.tasksIn) {
			throw new CuratorError(
				ErrorCodes.protocol,
				`stage "${entry.stage}" reported ${entry.tasksIn} inputs, but ${inputIds.length} were left to derive`,
			);
		}
		cursor += entry.tasksIn;
		const filteredIds = entry.filteredIds ?? none;
		const outputIds = entry.outputIds ?? positionalOutputs(inputIds, filteredIds);
		// Only a later call of the chain reads them as its inputs.
		if (index < entries.length - 1) for (const id of outputIds) next.push(id);
		entry.inputIds = inputIds as string[];
		entry.outputIds = outputIds;
		entry.filteredIds = filteredIds as string[];
	}
	return entries as BatchCallStats[];
}

/**
 * The stats of the calls of one batch for a run that reads no task ids (see
 * core's `ExecutionContext.recordsBatches`): the entries themselves, with
 * their `filteredIds` as sent (the summary counts them) and `inputIds` and
 * `outputIds` left empty; nothing is derived.
 */
export function withFilteredIdsOnly(entries: StageCallStats[]): BatchCallStats[] {
	for (const entry of entries) {
		entry.inputIds = none as string[];
		entry.outputIds = none as string[];
		entry.filteredIds ??= none as string[];
	}
	return entries as BatchCallStats[];
}

const none: readonly string[] = Object.freeze([]);

/** `count` ids of `ids` from `start`: `ids` itself when that is all of it. */
function idsFrom(ids: readonly string[], start: number, count: number): readonly string[] {
	return start === 0 && count === ids.length ? ids : ids.slice(start, start + count);
}

/** Whether each input not filtered produced exactly one output, `<input>_0`, in order. */
function isPositionalOneToOne(
	inputIds: readonly string[],
	outputIds: readonly string[],
	filteredIds: readonly string[],
): boolean {
	if (outputIds.length !== inputIds.length - filteredIds.length) return false;
	let filtered = 0;
	let out = 0;
	for (const input of inputIds) {
		if (filteredIds[filtered] === input) {
			filtered += 1;
			continue;
		}
		const output = outputIds[out++] as string;
		if (!isFirstChildId(output, input)) return false;
	}
	return filtered === filteredIds.length;
}

// "_0" is char codes 95, 48: checked without building the child's id.
function isFirstChildId(output: string, input: string): boolean {
	const length = input.length;
	return (
		output.length === length + 2 &&
		output.charCodeAt(length) === 95 &&
		output.charCodeAt(length + 1) === 48 &&
		output.startsWith(input)
	);
}

function positionalOutputs(inputIds: readonly string[], filteredIds: readonly string[]): string[] {
	const outputs: string[] = [];
	let filtered = 0;
	for (const input of inputIds) {
		if (filteredIds[filtered] === input) filtered += 1;
		else outputs.push(`${input}_0`);
	}
	return outputs;
}
