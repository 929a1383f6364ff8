/** What a run asks of its checkpoint when it starts. */
export interface CheckpointOpening {
	/** Identifies the pipeline (its stages, classes and options; see `pipelineFingerprint`). */
	fingerprint: string;
	/** `RunOptions.runId`, when given. */
	runId: string | undefined;
	/** Start over: forget what the checkpoint holds. */
	restart: boolean;
}

/** What a checkpoint gives the run that opens it. */
export interface ResumeState {
	/** The run's id: the interrupted run's when resuming (its sinks' staging is named after it). */
	runId: string;
	/** Partitions an earlier run of this checkpoint settled. */
	done: ReadonlySet<string>;
	/** Whether an earlier run of this checkpoint was interrupted (false for a fresh start). */
	resumed: boolean;
}

/**
 * Where a run records its settled partitions so that, after a crash, the
 * same run started again skips them (`RunOptions.checkpoint`). A record is
 * durable once its promise resolves. `fileCheckpoint(dir)` is the built-in
 * one; anything with these methods (an embedded store, a service) works.
 */
export interface CheckpointStore {
	/** Opens the checkpoint for a run; refuses another pipeline or a finished run unless `restart`. */
	open(opening: CheckpointOpening): Promise<ResumeState>;
	/** Records partitions as settled, durably. */
	markDone(partitions: readonly string[]): Promise<void>;
	/** Records that the run finished and its output was committed: nothing is left to resume. */
	complete(): Promise<void>;
	/** Releases what the store holds open (after success or failure). */
	close(): Promise<void>;
	/** Where it is, for messages. */
	readonly location: string;
}
