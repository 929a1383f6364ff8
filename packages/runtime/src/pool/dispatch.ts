import {
	type BatchCallStats,
	StageError,
	type StageFailureContext,
	type Task,
} from "@curator/core";
import {
	type AttemptFailure,
	attemptFailure,
	type Call,
	workerIsGone,
} from "../attempt-failure.ts";
import { withDerivedIds, withFilteredIdsOnly } from "../call-ids.ts";
import { packTasks, readBatch } from "../codec.ts";
import { EncodedTask, isEncoded, type PoolBatch } from "../encoded-task.ts";
import {
	type BatchesResult,
	isSplit,
	type ProcessResult,
	type SplitResult,
} from "../host-reply.ts";
import { concatLists } from "../lists.ts";
import { isRetriedErrorCode } from "../planning/fault-policy.ts";
import type { StageCallStats, TaskRef } from "../protocol.ts";
import { releaseParts } from "../spill/index.ts";
import { WorkerCrashError, WorkerRequestError } from "../worker-handle.ts";
import type { BatchOutcome, ProcessOptions, StagePoolOptions } from "./options.ts";
import type { PoolWorker } from "./worker-slots.ts";

/** What {@link Dispatch} needs of its pool: a worker's slot to send to, and its return. */
export interface DispatchSlots {
	/** The next free slot of a worker (waiting, or growing an empty pool). */
	acquire(): Promise<PoolWorker>;
	/** Gives the slot back (or recycles the worker at its batch quota). */
	release(worker: PoolWorker): Promise<void>;
	/** Replaces a worker that died or was killed. */
	onCrash(worker: PoolWorker): Promise<void>;
}

/**
 * Sends a `StagePool`'s batches to its workers' slots: one batch per
 * `process` message (retried per the fault policy), or several in one
 * message (`processEach`); records or throws what failed.
 */
export class Dispatch {
	readonly #options: StagePoolOptions;
	readonly #label: string;
	readonly #pool: DispatchSlots;

	constructor(options: StagePoolOptions, label: string, pool: DispatchSlots) {
		this.#options = options;
		this.#label = label;
		this.#pool = pool;
	}

	/** Runs one batch on the next idle worker, retrying per the policy (see `StagePool.process`). */
	async process(tasks: PoolBatch, options: ProcessOptions = {}): Promise<BatchOutcome> {
		const outcome = await this.#processBatch(tasks, options);
		// Its inputs are done with (processed, or recorded as failed): their spilled files can go.
		if (isEncoded(tasks)) void releaseParts(tasks.map((task) => task.payload));
		return outcome;
	}

	async #processBatch(
		tasks: PoolBatch,
		options: ProcessOptions,
		firstAttempt = 1,
	): Promise<BatchOutcome> {
		const input = isEncoded(tasks)
			? { payloads: tasks.map((task) => task.payload) }
			: { payload: packTasks(tasks) };
		const split = splitFields(options.keepEncodedAbove, this.#options.spillDir);
		const taskIds = tasks.map((task) => task.taskId);
		const { chain, call } = this.#callOf(options);
		for (let attempt = firstAttempt; ; attempt++) {
			this.#options.context.throwIfAborted();
			const worker = await this.#pool.acquire();
			try {
				const reply = await worker.deadlines.run(call.processTimeoutS, () =>
					worker.handle.request({
						type: "process",
						keys: chain.map(String),
						...input,
						...(options.rebatch === true ? { rebatch: true } : {}),
						derivedIds: true,
						...split,
					}),
				);
				return await this.#succeeded(worker, reply, tasks);
			} catch (error) {
				const failure = await this.#attemptFailed(worker, error, call);
				// Stopping the run kills its workers: their deaths are no failure to retry or record.
				this.#options.context.throwIfAborted();
				// A batch queued behind the one that killed the worker loses no attempt.
				if (failure.charged === false) attempt -= 1;
				if (failure.retry && attempt < call.numRunAttempts) {
					this.#options.context.emit({
						type: "retry",
						stage: failure.stage,
						taskIds,
						attempt: attempt + 1,
						reason: failure.reason,
					});
					continue;
				}
				const failed = this.#fail(failure.taskIds ?? taskIds, failure.cause, call, {
					stage: failure.stage,
					workerId: worker.handle.workerId,
					attempts: attempt,
					...(failure.exitCause === undefined ? {} : { exitCause: failure.exitCause }),
				});
				// The chain's stages that finished before the failure keep their batch records.
				if (!(error instanceof WorkerRequestError)) return failed;
				return { ...failed, stats: this.#statsOf(error.wire.stats ?? [], tasks) };
			}
		}
	}

	/** A batch's outcome from its worker's reply; the worker's slot is given back. */
	async #succeeded(
		worker: PoolWorker,
		reply: ProcessResult,
		tasks: PoolBatch,
	): Promise<BatchOutcome> {
		const split = isSplit(reply);
		const outputs = split ? [] : await readBatch(reply.payload);
		worker.calls += 1;
		await this.#pool.release(worker);
		return {
			tasks: outputs,
			encoded: split ? encodedOutputs(reply) : [],
			stats: this.#statsOf(reply.stats, tasks),
			failed: false,
			workerId: worker.handle.workerId,
		};
	}

	/** Replaces a worker that died or ran past its time limit, frees one whose stage threw; then classifies. */
	async #attemptFailed(worker: PoolWorker, error: unknown, call: Call): Promise<AttemptFailure> {
		if (workerIsGone(error)) {
			worker.busy -= 1;
			await this.#pool.onCrash(worker);
		} else {
			await this.#pool.release(worker);
		}
		return attemptFailure(error, worker.handle.workerId, call, this.#options.spillDir);
	}

	/**
	 * Runs several batches in one message to one worker: each still gets its
	 * own stage calls, stats and failure, but the round trip is paid once.
	 * Meant for batches that take well under a millisecond; their outputs
	 * always come back decoded (`keepEncodedAbove` does not apply). A stage that
	 * throws fails only its batch. When the worker dies, which batch killed it
	 * is unknown, so nothing is charged: each batch then runs alone through
	 * {@link StagePool.process}, with its full attempts, which finds the culprit.
	 */
	async processEach(batches: Task[][], options: ProcessOptions = {}): Promise<BatchOutcome[]> {
		if (batches.length <= 1)
			return Promise.all(batches.map((batch) => this.process(batch, options)));
		const tasks = concatLists(batches);
		const payload = packTasks(tasks);
		const { chain, call } = this.#callOf(options);
		this.#options.context.throwIfAborted();
		const worker = await this.#pool.acquire();
		// The message's limit is its batches' limits added up; past it, each batch runs alone.
		const limitS =
			call.processTimeoutS === undefined ? undefined : call.processTimeoutS * batches.length;
		let reply: BatchesResult;
		try {
			reply = await worker.deadlines.run(limitS, () =>
				worker.handle.request({
					type: "process",
					keys: chain.map(String),
					payload,
					batches: batches.map((batch) => batch.length),
					...(options.rebatch === true ? { rebatch: true } : {}),
					derivedIds: true,
				}),
			);
		} catch (error) {
			if (!workerIsGone(error)) {
				await this.#pool.release(worker);
				throw error;
			}
			worker.busy -= 1;
			await this.#pool.onCrash(worker);
			this.#options.context.throwIfAborted();
			const cause = error instanceof WorkerCrashError ? error.exit.cause : `ran past ${limitS} s`;
			this.#options.context.emit({
				type: "retry",
				stage: call.firstStage,
				taskIds: tasks.map((task) => task.taskId),
				attempt: 1,
				reason: `worker ${worker.handle.workerId} ${cause} during a message of ${batches.length} batches: each runs again alone`,
			});
			return Promise.all(batches.map((batch) => this.process(batch, options)));
		}
		worker.calls += batches.length;
		await this.#pool.release(worker);
		return this.#outcomesOf(reply, batches, options, call, worker.handle.workerId);
	}

	/** Each batch's outcome from a multi-batch reply; a batch whose stage threw is retried alone. */
	async #outcomesOf(
		reply: BatchesResult,
		batches: Task[][],
		options: ProcessOptions,
		call: Call,
		workerId: string,
	): Promise<BatchOutcome[]> {
		// The reply has one entry per batch (checked on receipt by the worker's handle).
		const outputs = await readBatch(reply.payload);
		let offset = 0;
		let retried = false;
		const outcomes = reply.batches.map((part, i): BatchOutcome | Promise<BatchOutcome> => {
			const tasks = outputs.slice(offset, offset + part.outputs);
			offset += part.outputs;
			const batch = batches[i] ?? [];
			const stats = this.#statsOf(part.stats, batch);
			if (part.error === undefined) {
				return { tasks, encoded: [], stats, failed: false, workerId };
			}
			const stage = part.error.stage ?? call.firstStage;
			if (isRetriedErrorCode(part.error.code) && call.numRunAttempts > 1) {
				this.#options.context.emit({
					type: "retry",
					stage,
					taskIds: batch.map((task) => task.taskId),
					attempt: 2,
					reason: `the stage threw on worker ${workerId}: ${part.error.message}`,
				});
				retried = true;
				return this.#processBatch(batch, options, 2);
			}
			const ids = part.error.taskIds ?? batch.map((task) => task.taskId);
			const failed = this.#fail(ids, new Error(part.error.message), call, {
				stage,
				workerId,
				attempts: 1,
			});
			return { ...failed, stats };
		});
		// Awaiting only when a batch runs again: no promise per batch on the common path.
		return retried ? Promise.all(outcomes) : (outcomes as BatchOutcome[]);
	}

	/**
	 * The stats of a batch's calls, with every task id when the run reads them
	 * (`recordsBatches`), else only the filtered ones.
	 */
	#statsOf(entries: StageCallStats[], batch: PoolBatch): BatchCallStats[] {
		if (this.#options.context.recordsBatches === false) return withFilteredIdsOnly(entries);
		return withDerivedIds(
			entries,
			batch.map((task) => task.taskId),
		);
	}

	/** The stages a call runs, the name failures and retries carry, and its fault policy. */
	#callOf(options: ProcessOptions): { chain: readonly number[]; call: Call } {
		const chain = options.stages ?? [...this.#options.stages.keys()];
		const label =
			options.stages === undefined
				? this.#label
				: chain.map((i) => this.#options.stages[i]?.name ?? String(i)).join("+");
		const { policy } = this.#options;
		const first = this.#options.stages[chain[0] ?? 0];
		const call: Call = {
			label,
			firstStage: first?.name ?? label,
			ignoreFailures: options.ignoreFailures ?? policy.ignoreFailures,
			numRunAttempts: options.numRunAttempts ?? policy.numRunAttempts,
			processTimeoutS:
				"processTimeoutS" in options ? options.processTimeoutS : policy.processTimeoutS,
		};
		return { chain, call };
	}

	#fail(
		taskIds: string[],
		cause: unknown,
		call: Call,
		context: Omit<StageFailureContext, "stage" | "taskIds"> & { stage?: string },
	): BatchOutcome {
		const stage = context.stage ?? call.firstStage;
		const error = new StageError({ ...context, stage, taskIds }, cause);
		if (!call.ignoreFailures) throw error;
		const failure = { stage, taskIds, error: error.message, attempts: context.attempts ?? 1 };
		this.#options.context.recordFailure({
			...failure,
			...(context.workerId === undefined ? {} : { workerId: context.workerId }),
			...(context.exitCause === undefined ? {} : { exitCause: context.exitCause }),
		});
		return { tasks: [], encoded: [], stats: [], failed: true, workerId: context.workerId ?? "" };
	}
}

/** A split reply's tasks, kept encoded; it describes each of them (checked on receipt). */
function encodedOutputs({ payloads, tasks }: SplitResult): EncodedTask[] {
	return payloads.map((payload, i) => new EncodedTask(payload, tasks[i] as TaskRef));
}

/** The request fields that keep large outputs encoded (in files, with a spill folder). */
function splitFields(
	above: number | undefined,
	spillDir: string | undefined,
): { splitAbove?: undefined } | { splitAbove: number; spillDir?: string } {
	if (above === undefined) return {};
	return spillDir === undefined ? { splitAbove: above } : { splitAbove: above, spillDir };
}
