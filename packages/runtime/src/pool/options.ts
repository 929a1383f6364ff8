import type {
	BatchCallStats,
	ExecutionContext,
	NodeInfo,
	ProcessingStage,
	Task,
} from "@curator/core";
import type { EncodedTask, PoolTask } from "../encoded-task.ts";
import { concatLists } from "../lists.ts";
import type { FaultPolicy } from "../planning/fault-policy.ts";
import type { GpuLedger } from "../planning/gpu-ledger.ts";
import type { GpuSeat } from "../planning/placement.ts";
import type { WorkerCache } from "../worker-cache.ts";
import type { Isolation } from "../worker-handle.ts";

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
	/**
	 * The run-wide account of the visible GPUs, shared by every pool of a run
	 * (GPU pools only): a worker's seat is taken from it, so the live workers
	 * of all pools never share a device beyond their fractions. Default: one
	 * of the pool's own.
	 */
	gpuLedger?: GpuLedger;
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
	/**
	 * The pool's seats on `devices` when it shares them with pools running at
	 * the same time (see `splitGpus`); default: every seat of `gpuSeats`.
	 */
	seats?: readonly GpuSeat[];
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
export function outputsOf(outcome: Pick<BatchOutcome, "tasks" | "encoded">): PoolTask[] {
	return outcome.encoded.length > 0 ? outcome.encoded : outcome.tasks;
}

/**
 * The outputs of several batches, in their order, in one array (see
 * {@link outputsOf}). It reads only each outcome's `tasks` and `encoded`: a
 * caller that keeps outcomes until the stage ends need keep no more.
 */
export function outputsOfAll(
	outcomes: readonly Pick<BatchOutcome, "tasks" | "encoded">[],
): PoolTask[] {
	return concatLists(outcomes.map(outputsOf));
}

/** What one batch produced: its outputs, or nothing when its failure was recorded. */
export interface BatchOutcome {
	tasks: Task[];
	/** The outputs when they stayed encoded (see `keepEncodedAbove`; then `tasks` is empty). */
	encoded: EncodedTask[];
	stats: BatchCallStats[];
	failed: boolean;
	/** The worker that ran the last attempt. */
	workerId: string;
}
