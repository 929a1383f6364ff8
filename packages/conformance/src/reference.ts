import {
	BaseExecutor,
	BaseStageAdapter,
	createNamedAdapter,
	type ExecutionContext,
	type ExecutorConfig,
	type ProcessingStage,
	resourceKinds,
	type Task,
	type WorkerMetadata,
} from "@curator/core";

/** Capabilities of {@link ReferenceExecutor}. */
export const referenceSupports = {
	multiNode: false,
	processIsolation: false,
	abort: true,
	retries: false,
	streaming: false,
} as const;

/**
 * The kit's reference semantics, built on core alone: stage by stage in the
 * calling process, one worker per stage that receives tasks (`setupOnNode`,
 * `setup`, batches of `batchSize` in input order, `teardown` always), with
 * core's {@link BaseStageAdapter} assigning ids and perf records. The kit
 * compares every backend's outputs with this executor's. It does not check
 * resources (it never competes for them).
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
		let tasks = initialTasks;
		for (const [index, stage] of stages.entries()) {
			context.throwIfAborted();
			context.emit({ type: "stage:start", stage: stage.name, index, workers: 1 });
			tasks = await runStage(stage, tasks, context);
			context.emit({ type: "stage:end", stage: stage.name, index });
		}
		return tasks;
	}
}

async function runStage(
	stage: ProcessingStage,
	inputs: Task[],
	context: ExecutionContext,
): Promise<Task[]> {
	if (inputs.length === 0) return [];
	const adapter = createNamedAdapter(stage, BaseStageAdapter);
	const worker: WorkerMetadata = {
		workerId: `${stage.name}-0`,
		allocation: { cpus: stage.resources.cpus, gpus: [] },
	};
	adapter.useLogger(context.logger.child({ stage: stage.name, workerId: worker.workerId }));
	await adapter.setupOnNode({ nodeId: "reference" }, worker);
	await adapter.setup(worker);
	context.emit({ type: "worker:start", stage: stage.name, workerId: worker.workerId });
	const outputs: Task[] = [];
	try {
		for (let start = 0; start < inputs.length; start += stage.batchSize) {
			context.throwIfAborted();
			const batch = inputs.slice(start, start + stage.batchSize);
			const { tasks, perf } = await adapter.processBatchWithStats(batch, {
				isSource: stage.role === "source",
			});
			outputs.push(...tasks);
			context.emit({
				type: "batch:done",
				stage: stage.name,
				workerId: worker.workerId,
				tasksIn: batch.length,
				tasksOut: tasks.length,
				itemsIn: perf.numItemsProcessed,
				itemsOut: tasks.reduce((sum, task) => sum + task.numItems, 0),
				perf,
			});
		}
	} finally {
		await adapter.teardown();
		context.emit({
			type: "worker:exit",
			stage: stage.name,
			workerId: worker.workerId,
			expected: true,
		});
	}
	return outputs;
}
