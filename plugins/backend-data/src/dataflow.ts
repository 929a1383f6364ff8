import {
	AbortError,
	type ExecutionContext,
	type NodeInfo,
	type ProcessingStage,
	type Task,
} from "@curator/core";
import {
	asPoolBatch,
	type BatchOutcome,
	EncodedTask,
	KEEP_ENCODED_MIN_BYTES,
	outputsOf,
	type PoolTask,
	type StagePool,
	WorkerCache,
} from "@curator/runtime";
import { taskBytes } from "./backpressure.ts";
import { withDeadline } from "./deadline.ts";
import { type DataRunMetrics, snapshotMetrics } from "./metrics.ts";
import { Operator, type Part } from "./operator.ts";
import { type DataConfig, dataDefaults } from "./options.ts";
import type { ExecutionPlan } from "./plan.ts";
import type { PoolPlan } from "./pool-plan.ts";
import { createStagePool, runGpuLedger } from "./pools.ts";
import { type PoolLoad, scaleActions } from "./scaling.ts";

/** Size of a task for the queue bounds: exact when encoded, estimated otherwise. */
function sizeOf(task: PoolTask): number {
	return task instanceof EncodedTask ? task.byteLength : taskBytes(task);
}

/** What a {@link Dataflow} runs. */
export interface DataflowOptions {
	plan: ExecutionPlan;
	stages: ProcessingStage[];
	initialTasks: Task[];
	context: ExecutionContext;
	config: DataConfig;
	node: NodeInfo;
	/** Where workers write the large outputs passed between operators (process workers). */
	spillDir?: string;
}

interface Pool {
	plan: PoolPlan;
	pool: StagePool;
	operators: Operator[];
	inFlight: number;
	changing: boolean;
	closing: Promise<void> | undefined;
	closed: boolean;
}

/**
 * One streaming run: every operator active at once, each fed through its
 * bounded input queue, calls dispatched downstream-first whenever a pool has
 * a free slot and the next queue has room, pools scaled with queue depth
 * within the worker bound. Fails closed: on any error it stops dispatching,
 * lets running batches end (so workers tear down), then kills and reaps
 * every worker before the run rejects.
 */
export class Dataflow {
	readonly #options: DataflowOptions;
	readonly #operators: Operator[];
	readonly #pools: Pool[];
	readonly #slots: number;
	/** Workers a pool lets go (after teardown) wait here for another pool: no new process for it. */
	readonly #cache = new WorkerCache();
	#results: Task[] = [];
	readonly #pending = new Set<Promise<unknown>>();
	#failure: { error: unknown } | undefined;
	#settled = false;
	#peakWorkers = 0;
	#resolve: (tasks: Task[]) => void = () => {};
	#reject: (error: unknown) => void = () => {};

	constructor(options: DataflowOptions) {
		this.#options = options;
		this.#slots = options.config.slotsPerWorker ?? dataDefaults.slotsPerWorker;
		this.#operators = options.plan.operators.map((plan) => new Operator(plan));
		this.#operators.forEach((op, index) => {
			op.next = this.#operators[index + 1];
		});
		const gpuLedger = runGpuLedger(options.plan);
		this.#pools = options.plan.pools.map((plan) => ({
			plan,
			pool: createStagePool(plan, options, this.#slots, this.#cache, gpuLedger),
			operators: this.#operators.filter((op) => options.plan.pools[op.plan.pool] === plan),
			inFlight: 0,
			changing: false,
			closing: undefined,
			closed: false,
		}));
		const first = this.#operators[0] as Operator;
		first.accept({ tasks: options.initialTasks, sizes: [] });
		first.upstreamDone = true;
	}

	/** Runs to the end; resolves to the final outputs in backend-local's order. */
	run(): Promise<Task[]> {
		const { context, stages } = this.#options;
		return new Promise<Task[]>((resolve, reject) => {
			const onAbort = () => this.#fail(new AbortError(context.signal.reason));
			context.signal.addEventListener("abort", onAbort, { once: true });
			this.#resolve = (tasks) => {
				context.signal.removeEventListener("abort", onAbort);
				resolve(tasks);
			};
			this.#reject = (error) => {
				context.signal.removeEventListener("abort", onAbort);
				reject(error);
			};
			stages.forEach((stage, index) => {
				const op = this.#operators.find((o) => o.plan.stageIndexes.includes(index));
				const workers = op === undefined ? undefined : this.#pools[op.plan.pool]?.plan.maxWorkers;
				context.emit({ type: "stage:start", stage: stage.name, index, workers });
			});
			this.#pump();
		});
	}

	/** Metrics so far (a copy). */
	metrics(): DataRunMetrics {
		return snapshotMetrics(this.#operators, this.#peakWorkers, this.#options.plan.maxWorkers);
	}

	/** Moves everything that can move; called after every state change. */
	#pump(): void {
		if (this.#failure !== undefined || this.#settled) return;
		try {
			this.#step();
		} catch (error) {
			// A throwing event listener (or a bug) must fail the run, not leave it hanging.
			this.#fail(error);
		}
	}

	#step(): void {
		for (;;) {
			const finishedSome = this.#finishPass();
			this.#dispatchPass();
			if (!finishedSome) break;
		}
		this.#closePass();
		this.#scale();
		const live = this.#pools.reduce((sum, p) => sum + p.pool.size, 0);
		this.#peakWorkers = Math.max(this.#peakWorkers, live);
		if (this.#pools.every((p) => p.closed)) {
			this.#settled = true;
			const results = this.#results;
			// The executor keeps this flow for its metrics; the outputs belong to the caller now.
			this.#results = [];
			this.#track(
				this.#cache.close().then(
					() => this.#resolve(results),
					(error: unknown) => this.#reject(error),
				),
			);
		}
	}

	#finishPass(): boolean {
		let finishedSome = false;
		for (const op of this.#operators) {
			if (op.finished || !op.upstreamDone || !op.idle) continue;
			op.finished = true;
			finishedSome = true;
			op.plan.stageIndexes.forEach((index, i) => {
				this.#options.context.emit({ type: "stage:end", stage: op.plan.stages[i] ?? "", index });
			});
			if (op.next !== undefined) op.next.upstreamDone = true;
		}
		return finishedSome;
	}

	/** Closes pools whose operators are done, once no grow or shrink is under way (a worker still in setup would miss teardown). */
	#closePass(): void {
		for (const pool of this.#pools) {
			if (pool.closing !== undefined || pool.changing) continue;
			if (pool.operators.every((op) => op.finished)) this.#close(pool);
		}
	}

	#dispatchPass(): void {
		for (const op of [...this.#operators].reverse()) {
			const pool = this.#pools[op.plan.pool] as Pool;
			while (!op.finished && op.hasBatch() && this.#hasSlot(pool)) {
				const verdict = op.admission();
				if (!verdict.admit) {
					if (verdict.reason !== "calibrating") this.#setPaused(op, verdict.reason);
					break;
				}
				this.#setPaused(op, undefined);
				this.#dispatch(op, pool);
			}
		}
	}

	/** A set-up worker has a free slot (calls never wait inside the pool, so priorities hold). */
	#hasSlot(pool: Pool): boolean {
		return pool.closing === undefined && pool.pool.idleCount > 0;
	}

	#dispatch(op: Operator, pool: Pool): void {
		const { seq, tasks } = op.take();
		pool.inFlight += 1;
		const options = {
			stages: op.plan.poolStages,
			rebatch: true,
			numRunAttempts: op.plan.numRunAttempts,
			ignoreFailures: op.plan.ignoreFailures,
			processTimeoutS: op.plan.processTimeoutS,
			// Large outputs pass through this process as the bytes a worker sent.
			...(op.next === undefined ? {} : { keepEncodedAbove: KEEP_ENCODED_MIN_BYTES }),
		};
		const call = pool.pool
			.process(asPoolBatch(tasks), options)
			.then(
				(outcome) => {
					pool.inFlight -= 1;
					this.#settle(op, seq, outcome);
				},
				(error: unknown) => {
					pool.inFlight -= 1;
					this.#fail(error);
				},
			)
			// A throwing event listener must fail the run, not leave it hanging.
			.catch((error: unknown) => this.#fail(error));
		this.#track(call);
	}

	#settle(op: Operator, seq: number, outcome: BatchOutcome): void {
		if (this.#failure !== undefined) return;
		const { context } = this.#options;
		for (const stats of outcome.stats) {
			context.emit({ type: "batch:done", workerId: outcome.workerId, ...stats });
		}
		const next = op.next;
		const tasks = outputsOf(outcome);
		const sizes = next === undefined ? [] : tasks.map(sizeOf);
		for (const part of op.settle(seq, { tasks, sizes })) this.#deliver(next, part);
		op.noteBacklog();
		this.#pump();
	}

	#deliver(next: Operator | undefined, part: Part): void {
		if (next !== undefined) next.accept(part);
		// The last operator never keeps its outputs encoded, so these are tasks.
		else for (const task of part.tasks) this.#results.push(task as Task);
	}

	#setPaused(op: Operator, reason: "tasks" | "bytes" | undefined): void {
		const paused = reason !== undefined;
		if (op.paused === paused) return;
		op.paused = paused;
		if (paused) op.metrics.pauses += 1;
		this.#options.context.emit({
			type: "log",
			level: "debug",
			message: paused ? "backpressure: paused" : "backpressure: resumed",
			stage: op.plan.stages[0] ?? op.plan.name,
			fields: {
				operator: op.plan.name,
				...(reason === undefined ? {} : { reason }),
				backlog: (op.next?.queue.length ?? 0) + op.heldTasks,
				bound: op.next?.plan.queue?.maxTasks ?? 0,
			},
		});
	}

	#scale(): void {
		const loads = this.#pools.map((pool) => this.#load(pool));
		for (const action of scaleActions(loads, this.#options.plan.maxWorkers)) {
			const pool = this.#pools[action.pool] as Pool;
			pool.changing = true;
			const change = "grow" in action ? pool.pool.grow(action.grow) : pool.pool.shrink();
			this.#track(
				change.then(
					() => {
						pool.changing = false;
						this.#pump();
					},
					(error: unknown) => this.#fail(error),
				),
			);
		}
	}

	#load(pool: Pool): PoolLoad {
		return {
			size: pool.pool.size,
			minWorkers: pool.plan.minWorkers,
			maxWorkers: pool.plan.maxWorkers,
			inFlight: pool.inFlight,
			slots: this.#slots,
			queuedBatches: pool.operators.reduce((sum, op) => sum + op.readyBatches(), 0),
			changing: pool.changing,
			done: pool.closing !== undefined,
		};
	}

	#close(pool: Pool): void {
		pool.closing = pool.pool.close();
		this.#track(
			pool.closing.then(
				() => {
					pool.closed = true;
					this.#pump();
				},
				(error: unknown) => this.#fail(error),
			),
		);
	}

	#track(promise: Promise<unknown>): void {
		this.#pending.add(promise);
		void promise.finally(() => this.#pending.delete(promise));
	}

	#fail(error: unknown): void {
		if (this.#failure !== undefined || this.#settled) return;
		this.#failure = { error };
		const graceful = !this.#options.context.signal.aborted && !(error instanceof AbortError);
		void this.#shutdown(graceful).then(
			() => this.#reject(error),
			() => this.#reject(error),
		);
	}

	/**
	 * Stops every worker: with `graceful`, running batches may end and idle
	 * workers tear down (within `shutdownGraceMs`); then anything left is
	 * killed, and the run waits until every worker has exited.
	 */
	async #shutdown(graceful: boolean): Promise<void> {
		const grace = this.#options.config.shutdownGraceMs ?? dataDefaults.shutdownGraceMs;
		if (graceful) {
			await withDeadline(Promise.allSettled([...this.#pending]), grace);
			const closing = this.#pools.map((p) => p.closing ?? p.pool.close());
			await withDeadline(Promise.allSettled(closing), grace);
		}
		for (const p of this.#pools) p.pool.kill();
		await Promise.allSettled([...this.#pending]);
		for (const p of this.#pools) p.pool.kill();
		await Promise.all([...this.#pools.map((p) => p.pool.reaped()), this.#cache.kill()]);
	}
}
