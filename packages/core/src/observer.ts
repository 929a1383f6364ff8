import type { RunEvent } from "./events.ts";

/**
 * One finished batch of one stage, as every backend reports it: which task
 * ids went in and what became of each. Per stage, over a run, the union of
 * `inputIds` is the stage's input ids, and each input either produced
 * outputs (ids descending from it, except at a source stage with content ids
 * and for ambiguous batches; see `ids.ts`), or is in `filteredIds`, or is in
 * `failedIds`. A run feature (a ledger, checkpoints, telemetry) reads these
 * records instead of being written into each backend's loop.
 */
export interface BatchRecord {
	stage: string;
	/** The worker that ran it, when known. */
	workerId?: string;
	inputIds: readonly string[];
	outputIds: readonly string[];
	/** Input ids the stage filtered: their slot produced no task. */
	filteredIds: readonly string[];
	/** Input ids recorded as failed (with `ignoreFailures`); such a batch has no outputs. */
	failedIds: readonly string[];
}

/** Subscribes to a run's batches (`RunOptions.observer`); called in the caller's process. */
export interface RunObserver {
	onBatch(record: BatchRecord): void;
}

const none: readonly string[] = Object.freeze([]);

/**
 * The batch record a run event stands for: `batch:done` is a batch that
 * finished, `task:failed` one whose tasks were recorded as failed. This is
 * the one place records are drawn from events, so a backend only has to
 * report its batches through the execution context.
 */
export function batchRecordOf(event: RunEvent): BatchRecord | undefined {
	if (event.type === "batch:done") {
		return {
			stage: event.stage,
			workerId: event.workerId,
			inputIds: event.inputIds,
			outputIds: event.outputIds,
			filteredIds: event.filteredIds,
			failedIds: none,
		};
	}
	if (event.type === "task:failed") {
		const { failure } = event;
		return {
			stage: failure.stage,
			...(failure.workerId === undefined ? {} : { workerId: failure.workerId }),
			inputIds: failure.taskIds,
			outputIds: none,
			filteredIds: none,
			failedIds: failure.taskIds,
		};
	}
	return undefined;
}
