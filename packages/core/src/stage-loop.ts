import { BaseStageAdapter, batchCallStats } from "./adapter.ts";
import { StageError } from "./errors.ts";
import type { ExecutionContext } from "./executor.ts";
import { type AdapterClass, createNamedAdapter } from "./named-adapter.ts";
import type { WorkerMetadata } from "./node.ts";
import type { ProcessingStage } from "./stage.ts";
import type { Task } from "./task.ts";

/** How {@link runStageInProcess} and {@link runStagesInProcess} run; every field has a default. */
export interface StageLoopOptions {
	/** Adapter class wrapping each stage (default {@link BaseStageAdapter}). */
	adapter?: AdapterClass<BaseStageAdapter>;
	/** Node id handed to `setupOnNode` (default `"local"`). */
	nodeId?: string;
	/** Process id reported in `worker:start`, when the backend has one. */
	pid?: number;
	/**
	 * Record a batch whose stage threw in the run's failure report (stage, task
	 * ids, error, attempts) and go on, instead of failing the run. A failing
	 * `setup` or `setupOnNode` still fails the run: no batch could run.
	 */
	ignoreFailures?: boolean;
}

/** Where the batches of {@link runStageInProcess} come from. */
export type BatchSource = Iterable<Task[]> | AsyncIterable<Task[]>;

/**
 * The reference in-process stage loop: one worker runs `stage` on every batch
 * of `batches`, in order. `setupOnNode` and `setup` run before the first batch
 * (not at all when there is none), `teardown` always runs once they did (also
 * when a batch throws or the run is aborted), cancellation is checked before
 * every batch, and every batch reports `batch:done`. Each batch's outputs go
 * to `onOutput` as soon as they exist. Pure: no I/O, no processes.
 */
export async function runStageInProcess(
	stage: ProcessingStage,
	batches: BatchSource,
	context: ExecutionContext,
	onOutput: (tasks: Task[]) => void,
	options: StageLoopOptions = {},
): Promise<void> {
	const worker: WorkerMetadata = {
		workerId: `${stage.name}-0`,
		allocation: { cpus: stage.resources.cpus, gpus: [] },
	};
	let adapter: BaseStageAdapter | undefined;
	try {
		for await (const batch of batches) {
			context.throwIfAborted();
			adapter ??= await startWorker(stage, worker, context, options);
			const tasks = await runBatch(adapter, stage, batch, worker, context, options);
			if (tasks.length > 0) onOutput(tasks);
		}
	} finally {
		if (adapter !== undefined) await stopWorker(adapter, stage, worker, context);
	}
}

/**
 * Runs `stages` stage after stage with {@link runStageInProcess}, each on
 * the previous stage's outputs in batches of its `batchSize`, and resolves
 * to the last stage's outputs. This is the whole `executeStages` of an
 * in-process backend (backend-local, the kit's reference executor).
 */
export async function runStagesInProcess(
	stages: readonly ProcessingStage[],
	initialTasks: Task[],
	context: ExecutionContext,
	options: StageLoopOptions = {},
): Promise<Task[]> {
	let tasks = initialTasks;
	for (const [index, stage] of stages.entries()) {
		context.throwIfAborted();
		context.emit({ type: "stage:start", stage: stage.name, index, workers: 1 });
		const outputs: Task[] = [];
		await runStageInProcess(
			stage,
			batchesOf(tasks, stage.batchSize),
			context,
			(out) => {
				for (const task of out) outputs.push(task);
			},
			options,
		);
		tasks = outputs;
		context.emit({ type: "stage:end", stage: stage.name, index });
	}
	return tasks;
}

/** `tasks` in consecutive slices of `size` (the last one may be shorter). */
function* batchesOf(tasks: readonly Task[], size: number): Generator<Task[]> {
	for (let start = 0; start < tasks.length; start += size) {
		yield tasks.slice(start, start + size);
	}
}

async function startWorker(
	stage: ProcessingStage,
	worker: WorkerMetadata,
	context: ExecutionContext,
	options: StageLoopOptions,
): Promise<BaseStageAdapter> {
	const adapter = createNamedAdapter(stage, options.adapter ?? BaseStageAdapter);
	adapter.useLogger(context.logger.child({ stage: stage.name, workerId: worker.workerId }));
	await adapter.setupOnNode({ nodeId: options.nodeId ?? "local" }, worker);
	await adapter.setup(worker);
	context.emit({
		type: "worker:start",
		stage: stage.name,
		workerId: worker.workerId,
		...(options.pid === undefined ? {} : { pid: options.pid }),
	});
	return adapter;
}

async function runBatch(
	adapter: BaseStageAdapter,
	stage: ProcessingStage,
	batch: Task[],
	worker: WorkerMetadata,
	context: ExecutionContext,
	options: StageLoopOptions,
): Promise<Task[]> {
	try {
		const result = await adapter.processBatchWithStats(batch, {
			isSource: stage.role === "source",
		});
		context.emit({
			type: "batch:done",
			workerId: worker.workerId,
			...batchCallStats(stage.name, batch.length, result),
		});
		return result.tasks;
	} catch (error) {
		if (!(options.ignoreFailures === true && error instanceof StageError)) throw error;
		context.recordFailure({
			stage: error.stage,
			taskIds: [...error.taskIds],
			error: error.message,
			attempts: error.attempts ?? 1,
			workerId: error.workerId ?? worker.workerId,
		});
		return [];
	}
}

async function stopWorker(
	adapter: BaseStageAdapter,
	stage: ProcessingStage,
	worker: WorkerMetadata,
	context: ExecutionContext,
): Promise<void> {
	await adapter.teardown();
	context.emit({
		type: "worker:exit",
		stage: stage.name,
		workerId: worker.workerId,
		expected: true,
	});
}
