import { CuratorError, ErrorCodes, type WorkerMetadata } from "@curator/core";
import { encodeStage } from "../codec.ts";
import { deviceNumbers, GpuPlacement, type GpuSeat } from "../planning/placement.ts";
import { DeadlineQueue, TimeLimitExceeded, withTimeLimit } from "../time-limit.ts";
import { WorkerHandle, WorkerRequestError } from "../worker-handle.ts";
import type { StagePoolOptions } from "./options.ts";
import type { PoolWorker, WorkerSlots } from "./worker-slots.ts";

/**
 * The workers of a `StagePool` from spawn to exit: a worker is spawned (or
 * taken from the cache) on a GPU seat, loads its stages, runs `setupOnNode`
 * (the first one) or waits for it, then `setup`, within the setup attempts;
 * it is retired with `teardown` under its time limit, and kept for later
 * pools or stopped.
 */
export class WorkerLifecycle {
	readonly #options: StagePoolOptions;
	readonly #stageBytes: Uint8Array[];
	readonly #slots: WorkerSlots;
	/** The pool's stage names joined with `+`, as failures and events name it. */
	readonly label: string;
	/** Workers alive (busy or idle). */
	readonly workers = new Set<PoolWorker>();
	/** Workers spawned so far (numbers worker ids; never reused, unlike seats). */
	#spawned = 0;
	readonly placement: GpuPlacement | undefined;
	/** Resolves once `setupOnNode` has run on this node; rejects when it never could. */
	readonly #nodeReady = Promise.withResolvers<void>();
	#nodeSetUp = false;
	/** No new worker starts once the pool is closed. */
	closed = false;
	/** Killed workers are not kept for later pools. */
	killed = false;

	constructor(options: StagePoolOptions, slots: WorkerSlots) {
		this.#options = options;
		this.#slots = slots;
		this.#stageBytes = options.stages.map((stage) => encodeStage(stage));
		this.label = options.stages.map((s) => s.name).join("+");
		const { gpus = 0, devices = [], seats } = options.resources ?? {};
		if (gpus > 0) {
			this.placement = new GpuPlacement(devices, gpus, { seats, ledger: options.gpuLedger });
		}
		// Nobody may be waiting when node set-up fails; grow() reports the failure.
		this.#nodeReady.promise.catch(() => {});
	}

	/**
	 * Starts and sets up a worker on `seat` (a replacement gets the seat of the
	 * worker it replaces; a new worker the lowest free one), then hands out
	 * `slots` of its batch slots. The seat is given back when no worker could start.
	 */
	async startWorker(
		runNodeSetup: boolean,
		slots = this.#slots.perWorker,
		seat = this.#takeSeat(),
	): Promise<PoolWorker> {
		try {
			return await this.#setUpWorker(runNodeSetup, slots, seat);
		} catch (error) {
			this.giveSeat(seat);
			throw error;
		}
	}

	/** A free seat for a new GPU worker (none for a CPU pool). */
	#takeSeat(): GpuSeat | undefined {
		const placement = this.placement;
		if (placement === undefined) return undefined;
		const seat = placement.take();
		if (seat !== undefined) return seat;
		const { gpus = 0, devices = [] } = this.#options.resources ?? {};
		throw new CuratorError(
			ErrorCodes.unsatisfiableResources,
			`stage "${this.label}": no free GPU for another worker of ${gpus} GPU(s): ${placement.capacity} fit on devices [${devices.join(",")}]`,
		);
	}

	giveSeat(seat: GpuSeat | undefined): void {
		if (seat !== undefined) this.placement?.give(seat);
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
			if (this.closed) throw this.closedError();
			const worker = this.#spawn(seat);
			try {
				await this.#setUp(worker, runNodeSetup);
				for (let slot = 0; slot < slots; slot++) this.#slots.handOut(worker);
				return worker;
			} catch (error) {
				lastError = error;
				worker.handle.kill();
				await worker.handle.exited;
				this.workers.delete(worker);
				// Waiting workers do not retry a node set-up that failed elsewhere.
				if (error instanceof NodeSetupFailed) {
					this.#slots.breakWith(error.cause);
					throw error.cause;
				}
				// Every worker would import the same module and start the same run: no retry.
				const refusal = runInWorkerError(error);
				if (refusal !== undefined) {
					if (runNodeSetup) this.#nodeReady.reject(refusal);
					this.#slots.breakWith(refusal);
					throw refusal;
				}
			}
		}
		const reason = lastError instanceof Error ? lastError.message : String(lastError);
		const failure = new CuratorError(
			ErrorCodes.workerFailed,
			`stage "${this.label}": worker setup failed after ${numSetupAttempts} attempt(s): ${reason}`,
			{ cause: lastError },
		);
		if (runNodeSetup) this.#nodeReady.reject(failure);
		this.#slots.breakWith(failure);
		throw failure;
	}

	closedError(): CuratorError {
		return new CuratorError(ErrorCodes.workerFailed, `${this.label}: pool closed`);
	}

	#spawn(seat: GpuSeat | undefined): PoolWorker {
		const options = this.#options;
		const workerId = `${options.idPrefix ?? this.label}-${this.#spawned++}`;
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
		this.workers.add(worker);
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
			stage: this.label,
			workerId: handle.workerId,
			...(handle.pid === undefined ? {} : { pid: handle.pid }),
		});
	}

	/** Tears `worker` down and stops it; its seat is freed unless its replacement takes it (`keepSeat`). */
	async retire(worker: PoolWorker, reusable = true, keepSeat = false): Promise<void> {
		worker.retiring = true;
		this.#slots.dropSlots(worker);
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
				!this.killed &&
				this.#options.cache?.give(cacheKey, worker.handle) === true;
			const exit = kept ? undefined : await worker.handle.stop();
			this.workers.delete(worker);
			if (!keepSeat) this.giveSeat(worker.seat);
			this.#options.context.emit({
				type: "worker:exit",
				stage: this.label,
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
				? `teardown of stage "${this.label}" on worker ${workerId} ran past its time limit of ${error.limitS} s (teardownTimeoutS): the worker was killed`
				: `teardown of stage "${this.label}" on worker ${workerId} failed: ${String(error)}`;
		this.#options.context.emit({
			type: "log",
			level: "warn",
			message,
			stage: this.label,
			workerId,
			fields: { err: String(error) },
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
