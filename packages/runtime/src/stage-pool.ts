import { CuratorError, ErrorCodes, type Task } from "@curator/core";
import type { PoolBatch } from "./encoded-task.ts";
import { Dispatch } from "./pool/dispatch.ts";
import type { BatchOutcome, ProcessOptions, StagePoolOptions } from "./pool/options.ts";
import { WorkerLifecycle } from "./pool/worker-lifecycle.ts";
import { type PoolWorker, WorkerSlots } from "./pool/worker-slots.ts";

export type {
	BatchOutcome,
	ProcessOptions,
	StagePoolOptions,
	WorkerResources,
} from "./pool/options.ts";
export { outputsOf, outputsOfAll } from "./pool/options.ts";

/**
 * A pool of worker hosts serving one stage (or a fused chain of stages):
 * `setupOnNode` once per node before the other workers start, `setup` once per
 * worker, batches to whichever worker is idle, a dead worker replaced and its
 * batch retried within the {@link FaultPolicy}, `teardown` and reaping of
 * every worker at the end, on failure and on abort.
 */
export class StagePool {
	readonly #options: StagePoolOptions;
	readonly #slots: WorkerSlots;
	readonly #life: WorkerLifecycle;
	readonly #dispatch: Dispatch;
	#nodeSetupStarted = false;
	#target = 0;

	constructor(options: StagePoolOptions) {
		if (options.stages.length === 0)
			throw new CuratorError(ErrorCodes.invalidConfig, "a pool needs a stage");
		this.#options = options;
		this.#slots = new WorkerSlots(options.slotsPerWorker, options.maxCallsPerWorker);
		this.#life = new WorkerLifecycle(options, this.#slots);
		this.#dispatch = new Dispatch(options, this.#life.label, {
			acquire: () => this.#acquire(),
			release: (worker) => this.#release(worker),
			onCrash: (worker) => this.#onCrash(worker),
		});
		options.context.signal.addEventListener("abort", () => this.kill(), { once: true });
	}

	/** Workers alive (busy or idle). */
	get size(): number {
		return this.#life.workers.size;
	}

	/** Free batch slots over all workers. */
	get idleCount(): number {
		return this.#slots.idleCount;
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
		let missing = count - this.#life.workers.size;
		// A seat kept for a worker being recycled is not free: grow only into free seats.
		if (this.#life.placement !== undefined) missing = Math.min(missing, this.#life.placement.free);
		if (missing <= 0) return;
		const starts: Promise<PoolWorker>[] = [];
		if (!this.#nodeSetupStarted) {
			this.#nodeSetupStarted = true;
			starts.push(this.#life.startWorker(true, 1));
			missing -= 1;
		}
		for (let i = 0; i < missing; i++) starts.push(this.#life.startWorker(false, 1));
		const started = await Promise.allSettled(starts);
		for (const result of started) {
			if (result.status === "fulfilled") this.#handOutSlots(result.value, 1);
		}
		const failed = started.find((result) => result.status === "rejected");
		if (failed !== undefined) throw failed.reason;
	}

	/** Stops one idle worker (after its teardown), if there is one. */
	async shrink(): Promise<boolean> {
		const worker = this.#slots.findUnused();
		if (worker === undefined) return false;
		this.#target = Math.max(0, this.#target - 1);
		await this.#life.retire(worker);
		return true;
	}

	/**
	 * Runs one batch on the next idle worker, retrying per the policy. With
	 * `options.stages`, only those of the pool's stages run, in that order
	 * (several operators can share one pool); failures and retries are then
	 * reported under their names joined with `+`.
	 */
	async process(tasks: PoolBatch, options: ProcessOptions = {}): Promise<BatchOutcome> {
		return this.#dispatch.process(tasks, options);
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
		return this.#dispatch.processEach(batches, options);
	}

	/** Tears down and stops every worker; kills those that do not stop. */
	async close(): Promise<void> {
		this.#life.closed = true;
		await Promise.all([...this.#life.workers].map((worker) => this.#life.retire(worker)));
	}

	/** Kills every worker at once (abort, fatal error). */
	kill(): void {
		this.#life.closed = true;
		this.#life.killed = true;
		for (const worker of this.#life.workers) worker.handle.kill();
		this.#slots.wakeAll();
	}

	/** Resolves when every worker process or thread has exited. */
	async reaped(): Promise<void> {
		await Promise.all([...this.#life.workers].map((worker) => worker.handle.exited));
	}

	async #acquire(): Promise<PoolWorker> {
		this.#slots.throwIfBroken();
		// A closed pool starts nothing new (a batch retried after close or kill ends here).
		if (this.#life.closed) throw this.#life.closedError();
		let worker = this.#slots.take();
		if (worker === undefined && this.#life.workers.size === 0) {
			await this.grow(Math.max(1, this.#target));
			worker = this.#slots.shift();
		}
		worker ??= await this.#slots.wait();
		if (worker === undefined) {
			this.#options.context.throwIfAborted();
			this.#slots.throwIfBroken();
			throw this.#life.closedError();
		}
		worker.busy += 1;
		return worker;
	}

	async #release(worker: PoolWorker): Promise<void> {
		worker.busy -= 1;
		if (this.#slots.quotaSpent(worker) && !this.#life.closed) {
			if (worker.busy > 0) return;
			this.#slots.dropSlots(worker);
			// A recycled worker is replaced by a fresh process, never reused, on the same GPUs.
			await this.#life.retire(worker, false, true);
			await this.#life.startWorker(false, this.#slots.perWorker, worker.seat);
			return;
		}
		this.#slots.handOut(worker);
	}

	/** Hands out `worker`'s batch slots from `from` on, unless it has left the pool meanwhile. */
	#handOutSlots(worker: PoolWorker, from: number): void {
		if (this.#life.closed || worker.retiring || !this.#life.workers.has(worker)) return;
		for (let slot = from; slot < this.#slots.perWorker; slot++) this.#slots.handOut(worker);
	}

	async #onCrash(worker: PoolWorker): Promise<void> {
		const exit = await worker.handle.exited;
		this.#slots.dropSlots(worker);
		if (!this.#life.workers.delete(worker)) return;
		const { seat } = worker;
		this.#options.context.emit({
			type: "worker:exit",
			stage: this.#life.label,
			workerId: worker.handle.workerId,
			// Killed with the whole pool (the run stopped): an end, not a crash.
			expected: this.#life.killed,
			code: exit.code,
			signal: exit.signal,
		});
		// A worker still retiring after a shrink is not a replacement: without this, a batch
		// waiting to be retried could find the pool empty once that worker is gone.
		let staying = 0;
		for (const other of this.#life.workers) if (!other.retiring) staying += 1;
		if (!this.#life.closed && staying < this.#target) {
			await this.#life.startWorker(false, this.#slots.perWorker, seat);
		} else {
			this.#life.giveSeat(seat);
		}
	}
}
