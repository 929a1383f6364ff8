import {
	CuratorError,
	ErrorCodes,
	type ExecutionContext,
	type NodeInfo,
	type ProcessingStage,
	StageError,
	type StageFailureContext,
	type Task,
	type WorkerMetadata,
} from "@curator/core";
import { type AttemptFailure, attemptFailure, type Call, workerIsGone } from "./attempt-failure.ts";
import { encodeStage, packTasks, readBatch } from "./codec.ts";
import { EncodedTask, isEncoded, type PoolBatch, type PoolTask } from "./encoded-task.ts";
import { concatLists } from "./lists.ts";
import { type FaultPolicy, isRetriedErrorCode } from "./planning/fault-policy.ts";
import { deviceNumbers, GpuPlacement, type GpuSeat } from "./planning/placement.ts";
import type { StageCallStats, TaskRef } from "./protocol.ts";
import { releaseSpilled } from "./spill.ts";
import { DeadlineQueue, TimeLimitExceeded, withTimeLimit } from "./time-limit.ts";
import type { WorkerCache } from "./worker-cache.ts";
import {
	type HostReply,
	type Isolation,
	WorkerCrashError,
	WorkerHandle,
	WorkerRequestError,
} from "./worker-handle.ts";

/** Options of a {@link StagePool}. */
export interface StagePoolOptions {
	/** The stages a worker hosts; a `process` call runs them in order (fusion). */
	stages: ProcessingStage[];
	isolation: Isolation;
	node: NodeInfo;
	context: ExecutionContext;
	policy: FaultPolicy;
	/**
	 * What each worker is given: its cpus, and `gpus` GPUs placed on `devices`
	 * (the visible set, see `visibleGpus`) through a {@link GpuPlacement}; a
	 * GPU worker gets its devices as `CUDA_VISIBLE_DEVICES`. Default: 1 cpu.
	 */
	resources?: WorkerResources;
	/** Recycle a worker after this many batches. */
	maxCallsPerWorker?: number;
	/**
	 * Batches sent to one worker at a time (default 1). With 2, the next batch
	 * waits in the worker while the current one runs, hiding the round trip.
	 */
	slotsPerWorker?: number;
	/** Extra Node flags for workers (e.g. a heap limit). */
	execArgv?: string[];
	maxMessageBytes?: number;
	/**
	 * Folder (a {@link SpillDir}'s path) where workers write the outputs they
	 * keep encoded (`keepEncodedAbove`), to be read by the next worker: for
	 * worker processes, for which a file in shared memory beats the IPC channel.
	 */
	spillDir?: string;
	/** Reuse workers left by earlier pools, and leave ours for later ones. */
	cache?: WorkerCache;
	/** Prefix of worker ids (defaults to the first stage's name). */
	idPrefix?: string;
}

/** The per-worker resources of a {@link StagePool}. */
export interface WorkerResources {
	cpus: number;
	/** GPUs per worker (fractions share a device; 0: none). */
	gpus: number;
	/** The visible GPUs, as `CUDA_VISIBLE_DEVICES` entries. */
	devices: readonly string[];
}

/** Per-call options of {@link StagePool.process}. */
export interface ProcessOptions {
	/** Positions (in `stages`) of the stages to run, in order; default: all of them. */
	stages?: readonly number[];
	/** Stages after the first get the previous one's outputs in batches of their own `batchSize`. */
	rebatch?: boolean;
	/** Overrides the pool's `numRunAttempts` for this batch. */
	numRunAttempts?: number;
	/** Overrides the pool's `ignoreFailures` for this batch. */
	ignoreFailures?: boolean;
	/** Overrides the pool's `processTimeoutS` for this batch. */
	processTimeoutS?: number | undefined;
	/**
	 * Leave large outputs in the bytes the worker sent, one {@link EncodedTask}
	 * each (`BatchOutcome.encoded`), for a caller that only passes them on to
	 * another worker: nothing is decoded or encoded again in this process.
	 * The worker decides per call: when its first output encodes to at least
	 * this many bytes; smaller outputs come back decoded, in `tasks`.
	 */
	keepEncodedAbove?: number;
}

/** The outputs of a batch, whether they stayed encoded or came back decoded. */
export function outputsOf(outcome: BatchOutcome): PoolTask[] {
	return outcome.encoded.length > 0 ? outcome.encoded : outcome.tasks;
}

/** What one batch produced: its outputs, or nothing when its failure was recorded. */
export interface BatchOutcome {
	tasks: Task[];
	/** The outputs when they stayed encoded (see `keepEncodedAbove`; then `tasks` is empty). */
	encoded: EncodedTask[];
	stats: StageCallStats[];
	failed: boolean;
	/** The worker that ran the last attempt. */
	workerId: string;
}

interface PoolWorker {
	handle: WorkerHandle;
	/** Time limits of the batches sent to it; one past its limit kills it. */
	deadlines: DeadlineQueue;
	/** Its GPUs (none for a CPU pool); handed to its replacement when it is replaced. */
	seat: GpuSeat | undefined;
	calls: number;
	setUp: boolean;
	/** Batches sent and not yet answered. */
	busy: number;
	/** Being torn down and stopped (it no longer counts toward the pool's target). */
	retiring: boolean;
}

/**
 * A pool of worker hosts serving one stage (or a fused chain of stages):
 * `setupOnNode` once per node before the other workers start, `setup` once per
 * worker, batches to whichever worker is idle, a dead worker replaced and its
 * batch retried within the {@link FaultPolicy}, `teardown` and reaping of
 * every worker at the end, on failure and on abort.
 */
export class StagePool {
	readonly #options: StagePoolOptions;
	readonly #stageBytes: Uint8Array[];
	readonly #label: string;
	readonly #workers = new Set<PoolWorker>();
	readonly #idle: PoolWorker[] = [];
	readonly #waiting: ((worker: PoolWorker) => void)[] = [];
	/** Workers spawned so far (numbers worker ids; never reused, unlike seats). */
	#spawned = 0;
	readonly #placement: GpuPlacement | undefined;
	/** Resolves once `setupOnNode` has run on this node; rejects when it never could. */
	readonly #nodeReady = Promise.withResolvers<void>();
	#nodeSetupStarted = false;
	#nodeSetUp = false;
	#closed = false;
	#killed = false;
	/** Set when a worker could not be set up within its attempts: no batch can wait for one any more. */
	#broken: { error: unknown } | undefined;
	#target = 0;

	constructor(options: StagePoolOptions) {
		if (options.stages.length === 0)
			throw new CuratorError(ErrorCodes.invalidConfig, "a pool needs a stage");
		this.#options = options;
		this.#stageBytes = options.stages.map((stage) => encodeStage(stage));
		this.#label = options.stages.map((s) => s.name).join("+");
		const gpus = options.resources?.gpus ?? 0;
		if (gpus > 0) this.#placement = new GpuPlacement(options.resources?.devices ?? [], gpus);
		options.context.signal.addEventListener("abort", () => this.kill(), { once: true });
		// Nobody may be waiting when node set-up fails; grow() reports the failure.
		this.#nodeReady.promise.catch(() => {});
	}

	/** Workers alive (busy or idle). */
	get size(): number {
		return this.#workers.size;
	}

	/** Free batch slots over all workers. */
	get idleCount(): number {
		return this.#idle.length;
	}

	/**
	 * Starts workers until there are `count`, all at once, and resolves when
	 * every one is set up. The first one runs `setupOnNode`; the others start
	 * and load their stages meanwhile, and run `setup` only once `setupOnNode`
	 * has finished. A worker takes batches as soon as it is set up, one at a
	 * time until the others are too (so a second batch does not queue on the
	 * first worker ready while a later one is still starting). When a worker
	 * cannot be set up, the batches waiting for a worker fail with that error.
	 */
	async grow(count: number): Promise<void> {
		this.#target = Math.max(this.#target, count);
		let missing = count - this.#workers.size;
		// A seat kept for a worker being recycled is not free: grow only into free seats.
		if (this.#placement !== undefined) missing = Math.min(missing, this.#placement.free);
		if (missing <= 0) return;
		const starts: Promise<PoolWorker>[] = [];
		if (!this.#nodeSetupStarted) {
			this.#nodeSetupStarted = true;
			starts.push(this.#startWorker(true, 1));
			missing -= 1;
		}
		for (let i = 0; i < missing; i++) starts.push(this.#startWorker(false, 1));
		const started = await Promise.allSettled(starts);
		for (const result of started) {
			if (result.status === "fulfilled") this.#handOutSlots(result.value, 1);
		}
		const failed = started.find((result) => result.status === "rejected");
		if (failed !== undefined) throw failed.reason;
	}

	/** Stops one idle worker (after its teardown), if there is one. */
	async shrink(): Promise<boolean> {
		const worker = this.#idle.find((candidate) => candidate.busy === 0);
		if (worker === undefined) return false;
		this.#target = Math.max(0, this.#target - 1);
		await this.#retire(worker);
		return true;
	}

	/**
	 * Runs one batch on the next idle worker, retrying per the policy. With
	 * `options.stages`, only those of the pool's stages run, in that order
	 * (several operators can share one pool); failures and retries are then
	 * reported under their names joined with `+`.
	 */
	async process(tasks: PoolBatch, options: ProcessOptions = {}): Promise<BatchOutcome> {
		const outcome = await this.#processBatch(tasks, options);
		// Its inputs are done with (processed, or recorded as failed): their spilled files can go.
		if (isEncoded(tasks)) releaseFiles(tasks);
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
		const spillDir = options.keepEncodedAbove === undefined ? undefined : this.#options.spillDir;
		const taskIds = tasks.map((task) => task.taskId);
		const { chain, call } = this.#callOf(options);
		for (let attempt = firstAttempt; ; attempt++) {
			this.#options.context.throwIfAborted();
			const worker = await this.#acquire();
			try {
				const reply = await worker.deadlines.run(call.processTimeoutS, () =>
					worker.handle.request({
						type: "process",
						keys: chain.map(String),
						...input,
						...(options.rebatch === true ? { rebatch: true } : {}),
						...(options.keepEncodedAbove === undefined
							? {}
							: { splitAbove: options.keepEncodedAbove }),
						...(spillDir === undefined ? {} : { spillDir }),
					}),
				);
				const outputs = reply.payload === undefined ? [] : await readBatch(reply.payload);
				worker.calls += 1;
				await this.#release(worker);
				return {
					tasks: outputs,
					encoded: encodedOutputs(reply),
					stats: reply.stats ?? [],
					failed: false,
					workerId: worker.handle.workerId,
				};
			} catch (error) {
				const failure = await this.#attemptFailed(worker, error, call);
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
				return { ...failed, stats: error.wire.stats ?? [] };
			}
		}
	}

	/** Replaces a worker that died or ran past its time limit, frees one whose stage threw; then classifies. */
	async #attemptFailed(worker: PoolWorker, error: unknown, call: Call): Promise<AttemptFailure> {
		if (workerIsGone(error)) {
			worker.busy -= 1;
			await this.#onCrash(worker);
		} else {
			await this.#release(worker);
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
		const worker = await this.#acquire();
		// The message's limit is its batches' limits added up; past it, each batch runs alone.
		const limitS =
			call.processTimeoutS === undefined ? undefined : call.processTimeoutS * batches.length;
		let reply: HostReply;
		try {
			reply = await worker.deadlines.run(limitS, () =>
				worker.handle.request({
					type: "process",
					keys: chain.map(String),
					payload,
					batches: batches.map((batch) => batch.length),
					...(options.rebatch === true ? { rebatch: true } : {}),
				}),
			);
		} catch (error) {
			if (!workerIsGone(error)) {
				await this.#release(worker);
				throw error;
			}
			worker.busy -= 1;
			await this.#onCrash(worker);
			const cause = error instanceof WorkerCrashError ? error.exit.cause : `ran past ${limitS} s`;
			this.#options.context.emit({
				type: "retry",
				stage: call.label,
				taskIds: tasks.map((task) => task.taskId),
				attempt: 1,
				reason: `worker ${worker.handle.workerId} ${cause} during a message of ${batches.length} batches: each runs again alone`,
			});
			return Promise.all(batches.map((batch) => this.process(batch, options)));
		}
		worker.calls += batches.length;
		await this.#release(worker);
		const outputs = reply.payload === undefined ? [] : await readBatch(reply.payload);
		const parts = reply.batches ?? [];
		if (parts.length !== batches.length) {
			throw new CuratorError(
				ErrorCodes.protocol,
				`${call.label}: ${parts.length} batch replies for ${batches.length} batches`,
			);
		}
		const workerId = worker.handle.workerId;
		let offset = 0;
		const outcomes = parts.map((part, i) => {
			const tasks = outputs.slice(offset, offset + part.outputs);
			offset += part.outputs;
			if (part.error === undefined) {
				return { tasks, encoded: [], stats: part.stats, failed: false, workerId };
			}
			const batch = batches[i] ?? [];
			const stage = part.error.stage ?? call.label;
			if (isRetriedErrorCode(part.error.code) && call.numRunAttempts > 1) {
				this.#options.context.emit({
					type: "retry",
					stage,
					taskIds: batch.map((task) => task.taskId),
					attempt: 2,
					reason: `the stage threw on worker ${workerId}: ${part.error.message}`,
				});
				return this.#processBatch(batch, options, 2);
			}
			const ids = part.error.taskIds ?? batch.map((task) => task.taskId);
			const failed = this.#fail(ids, new Error(part.error.message), call, {
				stage,
				workerId,
				attempts: 1,
			});
			return { ...failed, stats: part.stats };
		});
		return Promise.all(outcomes);
	}

	/** Tears down and stops every worker; kills those that do not stop. */
	async close(): Promise<void> {
		this.#closed = true;
		await Promise.all([...this.#workers].map((worker) => this.#retire(worker)));
	}

	/** Kills every worker at once (abort, fatal error). */
	kill(): void {
		this.#closed = true;
		this.#killed = true;
		for (const worker of this.#workers) worker.handle.kill();
		for (const waiter of this.#waiting.splice(0)) waiter(undefined as never);
	}

	/** Resolves when every worker process or thread has exited. */
	async reaped(): Promise<void> {
		await Promise.all([...this.#workers].map((worker) => worker.handle.exited));
	}

	/** The stages a call runs, the name failures and retries carry, and its fault policy. */
	#callOf(options: ProcessOptions): { chain: readonly number[]; call: Call } {
		const chain = options.stages ?? [...this.#options.stages.keys()];
		const label =
			options.stages === undefined
				? this.#label
				: chain.map((i) => this.#options.stages[i]?.name ?? String(i)).join("+");
		const { policy } = this.#options;
		const call: Call = {
			label,
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
		const stage = context.stage ?? call.label;
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

	async #acquire(): Promise<PoolWorker> {
		this.#throwIfBroken();
		// A closed pool starts nothing new (a batch retried after close or kill ends here).
		if (this.#closed) throw this.#closedError();
		let worker = this.#idle.shift();
		// Slots of a worker whose batch quota is already spoken for stay unused.
		while (worker !== undefined && this.#quotaSpent(worker)) worker = this.#idle.shift();
		if (worker === undefined && this.#workers.size === 0) {
			await this.grow(Math.max(1, this.#target));
			worker = this.#idle.shift();
		}
		worker ??= await new Promise<PoolWorker>((resolve) => this.#waiting.push(resolve));
		if (worker === undefined) {
			this.#options.context.throwIfAborted();
			this.#throwIfBroken();
			throw this.#closedError();
		}
		worker.busy += 1;
		return worker;
	}

	/** Whether the batches done and running on `worker` reach `maxCallsPerWorker`. */
	#quotaSpent(worker: PoolWorker): boolean {
		const max = this.#options.maxCallsPerWorker;
		return max !== undefined && worker.calls + worker.busy >= max;
	}

	async #release(worker: PoolWorker): Promise<void> {
		worker.busy -= 1;
		if (this.#quotaSpent(worker) && !this.#closed) {
			if (worker.busy > 0) return;
			this.#dropSlots(worker);
			// A recycled worker is replaced by a fresh process, never reused, on the same GPUs.
			await this.#retire(worker, false, true);
			await this.#startWorker(false, this.#slotsPerWorker, worker.seat);
			return;
		}
		this.#handOut(worker);
	}

	/** Hands out `worker`'s batch slots from `from` on, unless it has left the pool meanwhile. */
	#handOutSlots(worker: PoolWorker, from: number): void {
		if (this.#closed || worker.retiring || !this.#workers.has(worker)) return;
		for (let slot = from; slot < this.#slotsPerWorker; slot++) this.#handOut(worker);
	}

	#throwIfBroken(): void {
		if (this.#broken !== undefined) throw this.#broken.error;
	}

	/** No worker can be set up: every batch waiting for one fails with `error`. */
	#breakWith(error: unknown): void {
		this.#broken ??= { error };
		for (const waiter of this.#waiting.splice(0)) waiter(undefined as never);
	}

	#handOut(worker: PoolWorker): void {
		const waiter = this.#waiting.shift();
		if (waiter !== undefined) waiter(worker);
		else this.#idle.push(worker);
	}

	#dropSlots(worker: PoolWorker): void {
		for (let i = this.#idle.indexOf(worker); i !== -1; i = this.#idle.indexOf(worker)) {
			this.#idle.splice(i, 1);
		}
	}

	async #onCrash(worker: PoolWorker): Promise<void> {
		const exit = await worker.handle.exited;
		this.#dropSlots(worker);
		if (!this.#workers.delete(worker)) return;
		const { seat } = worker;
		this.#options.context.emit({
			type: "worker:exit",
			stage: this.#label,
			workerId: worker.handle.workerId,
			expected: false,
			code: exit.code,
			signal: exit.signal,
		});
		// A worker still retiring after a shrink is not a replacement: without this, a batch
		// waiting to be retried could find the pool empty once that worker is gone.
		let staying = 0;
		for (const other of this.#workers) if (!other.retiring) staying += 1;
		if (!this.#closed && staying < this.#target) {
			await this.#startWorker(false, this.#slotsPerWorker, seat);
		} else {
			this.#giveSeat(seat);
		}
	}

	get #slotsPerWorker(): number {
		return this.#options.slotsPerWorker ?? 1;
	}

	/**
	 * Starts and sets up a worker on `seat` (a replacement gets the seat of the
	 * worker it replaces; a new worker the lowest free one), then hands out
	 * `slots` of its batch slots. The seat is given back when no worker could start.
	 */
	async #startWorker(
		runNodeSetup: boolean,
		slots = this.#slotsPerWorker,
		seat = this.#takeSeat(),
	): Promise<PoolWorker> {
		try {
			return await this.#setUpWorker(runNodeSetup, slots, seat);
		} catch (error) {
			this.#giveSeat(seat);
			throw error;
		}
	}

	/** A free seat for a new GPU worker (none for a CPU pool). */
	#takeSeat(): GpuSeat | undefined {
		const placement = this.#placement;
		if (placement === undefined) return undefined;
		const seat = placement.take();
		if (seat !== undefined) return seat;
		const { gpus = 0, devices = [] } = this.#options.resources ?? {};
		throw new CuratorError(
			ErrorCodes.unsatisfiableResources,
			`stage "${this.#label}": no free GPU for another worker of ${gpus} GPU(s): ${placement.capacity} fit on devices [${devices.join(",")}]`,
		);
	}

	#giveSeat(seat: GpuSeat | undefined): void {
		if (seat !== undefined) this.#placement?.give(seat);
	}

	async #setUpWorker(
		runNodeSetup: boolean,
		slots: number,
		seat: GpuSeat | undefined,
	): Promise<PoolWorker> {
		const { numSetupAttempts } = this.#options.policy;
		let lastError: unknown;
		for (let attempt = 1; attempt <= numSetupAttempts; attempt++) {
			this.#options.context.throwIfAborted();
			if (this.#closed) throw this.#closedError();
			const worker = this.#spawn(seat);
			try {
				await this.#setUp(worker, runNodeSetup);
				for (let slot = 0; slot < slots; slot++) this.#handOut(worker);
				return worker;
			} catch (error) {
				lastError = error;
				worker.handle.kill();
				await worker.handle.exited;
				this.#workers.delete(worker);
				// Waiting workers do not retry a node set-up that failed elsewhere.
				if (error instanceof NodeSetupFailed) {
					this.#breakWith(error.cause);
					throw error.cause;
				}
				// Every worker would import the same module and start the same run: no retry.
				const refusal = runInWorkerError(error);
				if (refusal !== undefined) {
					if (runNodeSetup) this.#nodeReady.reject(refusal);
					this.#breakWith(refusal);
					throw refusal;
				}
			}
		}
		const reason = lastError instanceof Error ? lastError.message : String(lastError);
		const failure = new CuratorError(
			ErrorCodes.workerFailed,
			`stage "${this.#label}": worker setup failed after ${numSetupAttempts} attempt(s): ${reason}`,
			{ cause: lastError },
		);
		if (runNodeSetup) this.#nodeReady.reject(failure);
		this.#breakWith(failure);
		throw failure;
	}

	#closedError(): CuratorError {
		return new CuratorError(ErrorCodes.workerFailed, `${this.#label}: pool closed`);
	}

	#spawn(seat: GpuSeat | undefined): PoolWorker {
		const options = this.#options;
		const workerId = `${options.idPrefix ?? this.#label}-${this.#spawned++}`;
		const spawnOptions = {
			workerId,
			isolation: options.isolation,
			name: options.stages[0]?.constructor.name ?? workerId,
			env: envOf(seat),
			logger: options.context.logger,
			...(options.maxMessageBytes === undefined
				? {}
				: { maxMessageBytes: options.maxMessageBytes }),
			...(options.execArgv === undefined ? {} : { execArgv: options.execArgv }),
		};
		const cacheKey = this.#cacheKey(spawnOptions.env);
		const reused = options.cache?.take(cacheKey);
		reused?.rename(workerId);
		// A new process is needed: an idle cached one that does not fit goes first.
		if (reused === undefined) options.cache?.evictOne();
		const handle = reused ?? WorkerHandle.spawn(spawnOptions);
		const worker: PoolWorker = {
			handle,
			deadlines: new DeadlineQueue(() => handle.kill()),
			seat,
			calls: 0,
			setUp: false,
			busy: 0,
			retiring: false,
		};
		this.#workers.add(worker);
		return worker;
	}

	async #setUp(worker: PoolWorker, runNodeSetup: boolean): Promise<void> {
		const { handle, seat } = worker;
		const { cpus = 1, devices = [] } = this.#options.resources ?? {};
		const metadata: WorkerMetadata = {
			workerId: handle.workerId,
			allocation: { cpus, gpus: seat === undefined ? [] : deviceNumbers(seat, devices) },
		};
		const stages = this.#options.stages;
		for (const [index, stage] of stages.entries()) {
			const isSource = stage.role === "source";
			await handle.request({
				type: "init",
				key: String(index),
				stage: this.#stageBytes[index]!,
				isSource,
			});
		}
		if (runNodeSetup && !this.#nodeSetUp) {
			for (const index of stages.keys()) {
				await handle.request({
					type: "setupOnNode",
					key: String(index),
					node: this.#options.node,
					worker: metadata,
				});
			}
			this.#nodeSetUp = true;
			this.#nodeReady.resolve();
		} else {
			try {
				await this.#nodeReady.promise;
			} catch (error) {
				throw new NodeSetupFailed(error);
			}
		}
		for (const index of stages.keys()) {
			await handle.request({ type: "setup", key: String(index), worker: metadata });
		}
		worker.setUp = true;
		this.#options.context.emit({
			type: "worker:start",
			stage: this.#label,
			workerId: handle.workerId,
			...(handle.pid === undefined ? {} : { pid: handle.pid }),
		});
	}

	/** Tears `worker` down and stops it; its seat is freed unless its replacement takes it (`keepSeat`). */
	async #retire(worker: PoolWorker, reusable = true, keepSeat = false): Promise<void> {
		worker.retiring = true;
		this.#dropSlots(worker);
		let killed = false;
		try {
			if (worker.setUp && worker.handle.exit === undefined) {
				await withTimeLimit(
					this.#options.policy.teardownTimeoutS,
					() => this.#tearDown(worker),
					() => {
						killed = true;
						worker.handle.kill();
					},
				);
			}
		} catch (error) {
			this.#teardownFailed(worker, error);
		} finally {
			const cacheKey = this.#cacheKey(envOf(worker.seat));
			const kept =
				reusable &&
				!killed &&
				worker.setUp &&
				!this.#killed &&
				this.#options.cache?.give(cacheKey, worker.handle) === true;
			const exit = kept ? undefined : await worker.handle.stop();
			this.#workers.delete(worker);
			if (!keepSeat) this.#giveSeat(worker.seat);
			this.#options.context.emit({
				type: "worker:exit",
				stage: this.#label,
				workerId: worker.handle.workerId,
				expected: exit?.expected ?? true,
				...(exit === undefined ? {} : { code: exit.code, signal: exit.signal }),
			});
		}
	}

	async #tearDown(worker: PoolWorker): Promise<void> {
		for (const key of this.#options.stages.keys()) {
			await worker.handle.request({ type: "teardown", key: String(key) });
		}
	}

	/** A teardown that threw or hung is reported; the run goes on. */
	#teardownFailed(worker: PoolWorker, error: unknown): void {
		const workerId = worker.handle.workerId;
		const message =
			error instanceof TimeLimitExceeded
				? `teardown of stage "${this.#label}" on worker ${workerId} ran past its time limit of ${error.limitS} s (teardownTimeoutS): the worker was killed`
				: `teardown of stage "${this.#label}" on worker ${workerId} failed: ${String(error)}`;
		this.#options.context.logger.warn({ workerId, err: String(error) }, message);
		this.#options.context.emit({
			type: "log",
			level: "warn",
			message,
			stage: this.#label,
			workerId,
		});
	}

	#cacheKey(env: Record<string, string>): string {
		const { isolation, execArgv, maxMessageBytes } = this.#options;
		return JSON.stringify([isolation, env, execArgv ?? [], maxMessageBytes ?? 0]);
	}
}

/** The environment of a worker on `seat`: its GPUs as `CUDA_VISIBLE_DEVICES`. */
function envOf(seat: GpuSeat | undefined): Record<string, string> {
	return seat === undefined ? {} : { CUDA_VISIBLE_DEVICES: seat.devices.join(",") };
}

function releaseFiles(tasks: readonly EncodedTask[]): void {
	for (const task of tasks) {
		const { file } = task;
		if (file !== undefined) void releaseSpilled(file);
	}
}

function encodedOutputs(reply: HostReply): EncodedTask[] {
	const { payloads, tasks } = reply;
	if (payloads === undefined) return [];
	if (tasks === undefined || tasks.length !== payloads.length) {
		throw new CuratorError(ErrorCodes.protocol, "a split reply must describe each of its tasks");
	}
	return payloads.map((payload, i) => new EncodedTask(payload, tasks[i] as TaskRef));
}

/** The run's error when a worker refused to start a pipeline run (its module's top-level run). */
function runInWorkerError(error: unknown): CuratorError | undefined {
	if (!(error instanceof WorkerRequestError) || error.wire.code !== ErrorCodes.runInWorker) {
		return undefined;
	}
	return new CuratorError(ErrorCodes.runInWorker, error.wire.message);
}

/** A worker gave up waiting: `setupOnNode` failed on the worker that ran it. */
class NodeSetupFailed extends Error {
	constructor(cause: unknown) {
		super("setupOnNode failed", { cause });
	}
}
