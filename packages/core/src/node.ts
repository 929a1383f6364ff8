/** Identifies the node (machine) a worker runs on. */
export interface NodeInfo {
	nodeId: string;
}

/** What a worker was given. */
export interface WorkerAllocation {
	/** CPU cores reserved for this worker. */
	cpus: number;
	/** Indexes of the GPUs visible to this worker (empty without GPUs). */
	gpus: number[];
}

/** Describes one worker to the stage (`setup`, `setupOnNode`). */
export interface WorkerMetadata {
	workerId: string;
	allocation: WorkerAllocation;
}
