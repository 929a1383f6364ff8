import { hostname } from "node:os";
import {
	BaseExecutor,
	type ExecutionContext,
	type ProcessingStage,
	type Task,
} from "@curator/core";
import {
	asPoolBatch,
	type BatchOutcome,
	detectMachine,
	EncodedTask,
	type FaultPolicy,
	GpuLedger,
	KEEP_ENCODED_MIN_BYTES,
	outputsOfAll,
	type PoolBatch,
	type PoolTask,
	type ProcessOptions,
	resolveFaultPolicy,
	SpillDir,
	StagePool,
	visibleGpus,
	WorkerCache,
} from "@curator/runtime";
import { Coalescer } from "./coalescing.ts";
import { fuseStages } from "./fusion.ts";
import {
	type ActorPoolConfig,
	actorPoolConfigSchema,
	actorPoolDefaults,
	actorPoolStageSchema,
} from "./options.ts";
import { planGroup, planPool } from "./sizing.ts";

/**
 * Capabilities of the actor-pool backend, but `spill`: it spills with worker
 * processes and `keepEncoded` (the defaults), see {@link ActorPoolExecutor}.
 */
export const actorPoolSupports = {
	multiNode: false,
	processIsolation: true,
	abort: true,
	retries: true,
	ignoreFailures: true,
	streaming: false,
} as const;

/**
 * Resource kinds beyond CPUs the actor-pool backend places: GPUs (whole or
 * fractions, by `CUDA_VISIBLE_DEVICES`), also asked for as GPU memory. It
 * has no way to place video codecs or to reserve entire GPUs.
 */
export const actorPoolSchedules = ["gpus", "gpuMemoryGb"] as const;

/** What every pool of one run shares. */
interface RunShared {
	context: ExecutionContext;
	/** Workers outlive their stage (after its teardown) and serve the next one: no cold start per stage. */
	cache: WorkerCache;
	spill: SpillDir | undefined;
	/**
	 * The visible GPUs' account for the whole run. Pools run one after another (each closed,
	 * its seats given back, before the next starts), so each may place workers on every device.
	 */
	gpuLedger: GpuLedger;
}

/**
 * Runs a pipeline stage by stage on a pool of workers per stage (the
 * counterpart of NeMo Curator's Ray actor-pool executor, on one machine).
 * Workers are child processes by default (a crash cannot take the caller
 * down) or worker threads (`isolation: "thread"`). A dead worker is
 * replaced and its batch retried up to `numRunAttempts` (also when its
 * stage threw or it ran past `processTimeoutS`; see the runtime README's
 * fault policy); every input task
 * ends as an output, a filtered slot or a recorded failure.
 */
export class ActorPoolExecutor extends BaseExecutor<ActorPoolConfig> {
	constructor(config: ActorPoolConfig = {}) {
		super(config, {
			backend: "actor-pool",
			supports: { ...actorPoolSupports, spill: spills(config) },
			schedules: actorPoolSchedules,
			configSchema: actorPoolConfigSchema,
			stageOptions: { key: "actorPool", schema: actorPoolStageSchema },
		});
	}

	protected override async executeStages(
		stages: ProcessingStage[],
		initialTasks: Task[],
		context: ExecutionContext,
	): Promise<Task[]> {
		const machine = this.config.machine ?? detectMachine();
		for (const stage of stages) planPool(stage, machine, 1, this.config.maxWorkersPerStage);
		const cache = new WorkerCache();
		const groups = fuseStages(stages, this.config);
		// Large outputs travel between worker processes as files in shared memory (only a group
		// followed by another one keeps its outputs encoded).
		const isolation = this.config.isolation ?? actorPoolDefaults.isolation;
		const spill =
			isolation === "process" && this.config.keepEncoded !== false && groups.length > 1
				? SpillDir.create()
				: undefined;
		const run: RunShared = {
			context,
			cache,
			spill,
			gpuLedger: new GpuLedger(visibleGpus(machine.gpus)),
		};
		const killCache = () => void cache.kill();
		context.signal.addEventListener("abort", killCache, { once: true });
		try {
			let tasks: PoolTask[] = initialTasks;
			let index = 0;
			for (const [g, group] of groups.entries()) {
				context.throwIfAborted();
				const first = group[0] as ProcessingStage;
				const batches = chunk(tasks, first.batchSize);
				const plan = planGroup(group, machine, batches.length, this.config.maxWorkersPerStage);
				const workers = batches.length === 0 ? 0 : plan.workers;
				const indexes = group.map(() => index++);
				for (const [i, stage] of group.entries()) {
					context.emit({
						type: "stage:start",
						stage: stage.name,
						index: indexes[i] as number,
						workers,
					});
				}
				const keepEncoded = g < groups.length - 1 && this.config.keepEncoded !== false;
				tasks =
					batches.length === 0 ? [] : await this.#runStages(group, batches, plan, run, keepEncoded);
				for (const [i, stage] of group.entries()) {
					context.emit({ type: "stage:end", stage: stage.name, index: indexes[i] as number });
				}
			}
			// The last group's outputs are always decoded (it never keeps them encoded).
			return tasks as Task[];
		} finally {
			context.signal.removeEventListener("abort", killCache);
			if (context.signal.aborted) await cache.kill();
			else await cache.close();
			await spill?.remove();
		}
	}

	async #runStages(
		group: ProcessingStage[],
		batches: PoolBatch[],
		plan: ReturnType<typeof planPool>,
		{ context, cache, spill, gpuLedger }: RunShared,
		keepEncoded: boolean,
	): Promise<PoolTask[]> {
		const stage = group[0] as ProcessingStage;
		const slotsPerWorker = this.config.slotsPerWorker ?? actorPoolDefaults.slotsPerWorker;
		const pool = new StagePool({
			cache,
			...(spill === undefined ? {} : { spillDir: spill.path }),
			stages: group,
			isolation: this.config.isolation ?? actorPoolDefaults.isolation,
			node: { nodeId: hostname() },
			context,
			policy: this.#policy(stage),
			resources: plan.resources,
			gpuLedger,
			slotsPerWorker,
			...(this.config.maxCallsPerWorker === undefined
				? {}
				: { maxCallsPerWorker: this.config.maxCallsPerWorker }),
			...(this.config.workerMaxHeapMb === undefined
				? {}
				: { execArgv: [`--max-old-space-size=${this.config.workerMaxHeapMb}`] }),
		});
		const log = context.logger.child({ stage: group.map((s) => s.name).join("+") });
		// Batches go to each worker as soon as it is set up, not once all of them are.
		let started: Promise<void> = Promise.resolve();
		try {
			started = pool.grow(plan.workers);
			// A worker that cannot be set up fails the batches waiting for one; the stage's error is
			// rethrown below (or dispatch's, when it failed first).
			started.catch(() => {});
			log.info({ workers: plan.workers, batches: batches.length }, "stage started");
			const inFlight = plan.workers * slotsPerWorker;
			const options = {
				...(group.length > 1 ? { rebatch: true } : {}),
				...(keepEncoded ? { keepEncodedAbove: KEEP_ENCODED_MIN_BYTES } : {}),
			};
			// Coalescing is for many small tasks, never for encoded ones (few and large).
			const encoded = batches[0]?.[0] instanceof EncodedTask;
			const coalescer = new Coalescer(encoded ? 1 : this.#maxBatchesPerMessage(stage), inFlight);
			const outcomes = await dispatch(
				pool,
				batches,
				inFlight,
				coalescer,
				options,
				(outcome, batch) => {
					for (const stats of outcome.stats) {
						context.emit({ type: "batch:done", workerId: outcome.workerId, ...stats });
					}
					if (outcome.stats.length === 0 && !outcome.failed) return;
					log.debug({ tasks: batch.length, workerId: outcome.workerId }, "batch done");
				},
			);
			await started;
			await pool.close();
			const outputs = outputsOfAll(outcomes);
			log.info({ outputs: outputs.length }, "stage finished");
			return outputs;
		} catch (error) {
			if (context.signal.aborted) {
				pool.kill();
				await pool.reaped();
			} else {
				// Every worker that ran setup is torn down, also after a failure (one still in setup
				// finishes it first).
				await started.catch(() => {});
				await pool.close();
			}
			throw error;
		}
	}

	/**
	 * Coalescing is off where it would change what a user sees: with no
	 * retries (a crash in a shared message costs no attempt, so the stage
	 * that crashed runs again) and with per-worker batch quotas.
	 */
	#maxBatchesPerMessage(stage: ProcessingStage): number {
		if (this.#policy(stage).numRunAttempts < 2) return 1;
		if (this.config.maxCallsPerWorker !== undefined) return 1;
		return this.config.maxBatchesPerMessage ?? actorPoolDefaults.maxBatchesPerMessage;
	}

	#policy(stage: ProcessingStage): FaultPolicy {
		return resolveFaultPolicy(stage.backend.actorPool, this.config);
	}
}

/** What {@link dispatch} keeps of a batch until its stage ends: its outputs, not its stats. */
type BatchOutputs = Pick<BatchOutcome, "tasks" | "encoded">;

/**
 * Sends batches to the pool with at most `inFlight` outstanding (one per
 * worker slot), and returns their outputs in batch order so outputs are
 * ordered as on backend-local. Each outcome goes to `onDone` as it comes
 * back; only its outputs are kept (a stage of many small batches would
 * otherwise hold every call's stats and ids until its end).
 */
async function dispatch(
	pool: StagePool,
	batches: PoolBatch[],
	lanesWanted: number,
	coalescer: Coalescer,
	options: ProcessOptions,
	onDone: (outcome: BatchOutcome, batch: PoolBatch) => void,
): Promise<BatchOutputs[]> {
	const outcomes: BatchOutputs[] = new Array(batches.length);
	let next = 0;
	let failed = false;
	const lane = async (): Promise<void> => {
		while (!failed && next < batches.length) {
			const start = next;
			next += Math.min(coalescer.next(batches.length - start), batches.length - start);
			const group = batches.slice(start, next);
			try {
				const results =
					group.length === 1
						? [await pool.process(group[0] as PoolBatch, options)]
						: await pool.processEach(group as Task[][], options);
				for (const [i, outcome] of results.entries()) {
					outcomes[start + i] = { tasks: outcome.tasks, encoded: outcome.encoded };
					coalescer.observe(outcome.stats);
					onDone(outcome, group[i] as PoolBatch);
				}
			} catch (error) {
				failed = true;
				throw error;
			}
		}
	};
	const lanes = Array.from({ length: Math.max(1, Math.min(lanesWanted, batches.length)) }, lane);
	// Wait for every lane, so no batch is still running when the pool is closed.
	const settled = await Promise.allSettled(lanes);
	const rejected = settled.find((result) => result.status === "rejected");
	if (rejected !== undefined) throw (rejected as PromiseRejectedResult).reason;
	return outcomes;
}

/** Batches of `size` (see `asPoolBatch` for those mixing encoded and decoded tasks). */
function chunk(items: readonly PoolTask[], size: number): PoolBatch[] {
	const chunks: PoolBatch[] = [];
	for (let start = 0; start < items.length; start += size) {
		chunks.push(asPoolBatch(items.slice(start, start + size)));
	}
	return chunks;
}

/** Whether runs with `config` pass large outputs between worker processes as spilled files. */
function spills(config: ActorPoolConfig): boolean {
	// Not an object: the base constructor refuses it, by name.
	if (typeof config !== "object" || config === null) return false;
	const isolation = config.isolation ?? actorPoolDefaults.isolation;
	return isolation === "process" && config.keepEncoded !== false;
}
