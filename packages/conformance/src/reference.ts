import {
	BaseExecutor,
	type ExecutionContext,
	type ExecutorConfig,
	type ProcessingStage,
	resourceKinds,
	runStagesInProcess,
	type Task,
} from "@curator/core";

/** Capabilities of {@link ReferenceExecutor}. */
export const referenceSupports = {
	multiNode: false,
	processIsolation: false,
	abort: true,
	retries: false,
	ignoreFailures: false,
	streaming: false,
} as const;

/**
 * The kit's reference semantics, built on core alone: core's reference
 * in-process stage loop (`runStagesInProcess`: stage by stage in the calling
 * process, one worker per stage that receives tasks, `setupOnNode`, `setup`,
 * batches of `batchSize` in input order, `teardown` always), with core's
 * `BaseStageAdapter` assigning ids and perf records. The kit compares every
 * backend's outputs with this executor's. It does not check resources (it
 * never competes for them).
 */
export class ReferenceExecutor extends BaseExecutor {
	constructor(config: ExecutorConfig = {}) {
		// Every kind: the reference checks no resources, so it refuses none.
		super(config, { backend: "reference", supports: referenceSupports, schedules: resourceKinds });
	}

	protected override async executeStages(
		stages: ProcessingStage[],
		initialTasks: Task[],
		context: ExecutionContext,
	): Promise<Task[]> {
		return runStagesInProcess(stages, initialTasks, context, { nodeId: "reference" });
	}
}
