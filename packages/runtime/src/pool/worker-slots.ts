import type { GpuSeat } from "../planning/placement.ts";
import type { DeadlineQueue } from "../time-limit.ts";
import type { WorkerHandle } from "../worker-handle.ts";

/** A worker of a `StagePool`, with what the pool tracks about it. */
export interface PoolWorker {
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
 * The batch slots of a `StagePool`'s workers: a worker is listed once per free
 * slot (`slotsPerWorker` of them), and a batch that finds none waits for the
 * next one handed out. Once no worker can be set up (`breakWith`), waiting ends.
 */
export class WorkerSlots {
	readonly #idle: PoolWorker[] = [];
	readonly #waiting: ((worker: PoolWorker) => void)[] = [];
	/** Set when a worker could not be set up within its attempts: no batch can wait for one any more. */
	#broken: { error: unknown } | undefined;
	/** Batches sent to one worker at a time. */
	readonly perWorker: number;
	readonly #maxCallsPerWorker: number | undefined;

	constructor(slotsPerWorker: number | undefined, maxCallsPerWorker: number | undefined) {
		this.perWorker = slotsPerWorker ?? 1;
		this.#maxCallsPerWorker = maxCallsPerWorker;
	}

	/** Free batch slots over all workers. */
	get idleCount(): number {
		return this.#idle.length;
	}

	/** A worker with a free slot and nothing running, if there is one. */
	findUnused(): PoolWorker | undefined {
		return this.#idle.find((candidate) => candidate.busy === 0);
	}

	/** Takes the first free slot. */
	shift(): PoolWorker | undefined {
		return this.#idle.shift();
	}

	/** Takes a free slot of a worker whose batch quota is not spoken for yet. */
	take(): PoolWorker | undefined {
		let worker = this.#idle.shift();
		// Slots of a worker whose batch quota is already spoken for stay unused.
		while (worker !== undefined && this.quotaSpent(worker)) worker = this.#idle.shift();
		return worker;
	}

	/** Waits for the next slot handed out; `undefined` when waiting ends (broken, closed or killed). */
	wait(): Promise<PoolWorker | undefined> {
		return new Promise<PoolWorker>((resolve) => this.#waiting.push(resolve));
	}

	/** Whether the batches done and running on `worker` reach `maxCallsPerWorker`. */
	quotaSpent(worker: PoolWorker): boolean {
		const max = this.#maxCallsPerWorker;
		return max !== undefined && worker.calls + worker.busy >= max;
	}

	throwIfBroken(): void {
		if (this.#broken !== undefined) throw this.#broken.error;
	}

	/** No worker can be set up: every batch waiting for one fails with `error`. */
	breakWith(error: unknown): void {
		this.#broken ??= { error };
		this.wakeAll();
	}

	/** Ends every wait with no worker. */
	wakeAll(): void {
		for (const waiter of this.#waiting.splice(0)) waiter(undefined as never);
	}

	handOut(worker: PoolWorker): void {
		const waiter = this.#waiting.shift();
		if (waiter !== undefined) waiter(worker);
		else this.#idle.push(worker);
	}

	dropSlots(worker: PoolWorker): void {
		for (let i = this.#idle.indexOf(worker); i !== -1; i = this.#idle.indexOf(worker)) {
			this.#idle.splice(i, 1);
		}
	}
}
