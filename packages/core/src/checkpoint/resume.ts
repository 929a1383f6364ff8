import { CheckpointError } from "../errors.ts";
import type { BatchRecord } from "../observer.ts";
import { isBarrier } from "../order.ts";
import { sourceIndex } from "../plan.ts";
import type { ProcessingStage } from "../stage.ts";
import { fileCheckpoint } from "./file-store.ts";
import { pipelineFingerprint } from "./fingerprint.ts";
import { PartitionTracker, partitionOf } from "./lineage.ts";
import type { CheckpointStore } from "./store.ts";

/** What a run's stages (its sinks) learn of its checkpoint, through `RunInfo.checkpoint`. */
export interface RunCheckpoint {
	/** The checkpoint's folder (or store location). */
	readonly location: string;
	/** Whether this run resumes an interrupted one. */
	readonly resumed: boolean;
	/**
	 * Whether the output of task `taskId` (a sink's input) from the
	 * interrupted run stays: its partition was settled and is skipped now.
	 * A sink removes the rest of its staged output before the run starts,
	 * and keeps its staging when the run fails, for the next resume.
	 */
	kept(taskId: string): boolean;
}

/** A run's checkpoint while it runs (see `RunOptions.checkpoint`). */
export interface Resume {
	readonly runId: string;
	/** The stages to run; the one after the source skips the settled partitions (`resumeSkips`). */
	readonly stages: ProcessingStage[];
	readonly info: RunCheckpoint;
	/** Takes a batch record; records the partitions it settles. */
	onBatch(record: BatchRecord): void;
	/** Once the stages finished: every record written, the input checked against the checkpoint. */
	settle(): Promise<void>;
	/** After the commit: nothing left to resume. */
	complete(): Promise<void>;
	close(): Promise<void>;
}

/**
 * Opens the checkpoint of a run of `stages` (resolved, before `preflight`)
 * and plans the run: the stage after the source skips the partitions an
 * earlier run settled (`ProcessingStage.resumeSkips`). Partitions are the
 * source stage's outputs. A pipeline with a barrier stage skips none (a
 * barrier needs every task of the run in one call) and is done again whole,
 * which is still safe: its sinks replace what the interrupted run staged.
 */
export async function openResume(
	stages: ProcessingStage[],
	checkpoint: string | CheckpointStore,
	options: { runId: string | undefined; restart: boolean },
): Promise<Resume> {
	const store = typeof checkpoint === "string" ? fileCheckpoint(checkpoint) : checkpoint;
	const fingerprint = pipelineFingerprint(stages);
	const state = await store.open({ fingerprint, ...options });
	const source = sourceIndex(stages);
	const skips = state.done.size > 0 && !stages.some(isBarrier);
	const done = skips ? state.done : new Set<string>();
	const next = stages[source + 1];
	if (skips && next !== undefined) next.resumeSkips = [...done];
	const tracker = new PartitionTracker(
		stages.map((stage) => stage.name),
		(stages[source] as ProcessingStage).name,
	);
	return new RunResume(
		store,
		state.runId,
		stages,
		tracker,
		{
			location: store.location,
			resumed: state.resumed,
			kept: (taskId) => partitionOf(taskId, done) !== undefined,
		},
		state.done,
	);
}

/**
 * The checkpoint of a run (`RunOptions.checkpoint`), opened before anything
 * runs, and the stages to run with it; without one, the stages as they are.
 */
export async function openCheckpoint(
	stages: ProcessingStage[],
	runId: string | undefined,
	options: { checkpoint?: string | CheckpointStore; restart?: boolean },
): Promise<{ stages: ProcessingStage[]; runId?: string; run?: Resume }> {
	if (options.checkpoint === undefined) return { stages };
	const run = await openResume(stages, options.checkpoint, {
		runId,
		restart: options.restart ?? false,
	});
	return { stages: run.stages, runId: run.runId, run };
}

class RunResume implements Resume {
	readonly runId: string;
	readonly stages: ProcessingStage[];
	readonly info: RunCheckpoint;
	readonly #store: CheckpointStore;
	readonly #tracker: PartitionTracker;
	readonly #recorded: Set<string>;
	#failure: unknown;
	#writes: Promise<void> = Promise.resolve();

	constructor(
		store: CheckpointStore,
		runId: string,
		stages: ProcessingStage[],
		tracker: PartitionTracker,
		info: RunCheckpoint,
		recorded: ReadonlySet<string>,
	) {
		this.runId = runId;
		this.stages = stages;
		this.info = info;
		this.#store = store;
		this.#tracker = tracker;
		this.#recorded = new Set(recorded);
	}

	onBatch(record: BatchRecord): void {
		const settled = this.#tracker.onBatch(record).filter((id) => !this.#recorded.has(id));
		if (settled.length === 0) return;
		for (const id of settled) this.#recorded.add(id);
		this.#writes = this.#store.markDone(settled).catch((error: unknown) => {
			this.#failure ??= error;
		});
	}

	async settle(): Promise<void> {
		await this.#writes;
		if (this.#failure !== undefined) throw this.#failure;
		const seen = this.#tracker.partitions;
		const missing = [...this.#recorded].filter((id) => !seen.has(id));
		if (missing.length > 0) {
			throw new CheckpointError(
				this.#store.location,
				`the input changed since the interrupted run: ${missing.length} partition(s) it finished (${missing.slice(0, 3).join(", ")}) are not in this run's input; restart to start over`,
			);
		}
	}

	complete(): Promise<void> {
		return this.#store.complete();
	}

	close(): Promise<void> {
		return this.#store.close();
	}
}
