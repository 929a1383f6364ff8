import { hostname } from "node:os";
import {
	BaseExecutor,
	createNamedAdapter,
	type ExecutionContext,
	type ExecutorConfig,
	type MachineResources,
	optionRules,
	optionSchema,
	type ProcessingStage,
	type Task,
	type WorkerMetadata,
} from "@curator/core";
import { assertFitsMachine, defaultLogger, detectMachine } from "@curator/runtime";
import { LocalStageAdapter } from "./adapter.ts";

/** Settings of {@link LocalExecutor}. */
export interface LocalExecutorConfig extends ExecutorConfig {
	/** What the machine offers; detected when omitted (tests use it to simulate machines). */
	machine?: MachineResources;
}

/** Capabilities of the in-process backend. */
export const localSupports = {
	multiNode: false,
	processIsolation: false,
	abort: true,
	retries: false,
	streaming: false,
} as const;

/**
 * Resource kinds beyond CPUs backend-local accepts: GPUs, checked against
 * the machine. Its one worker per stage is the calling process, which sees
 * the caller's GPUs; it cannot reserve video codecs or entire GPUs.
 */
export const localSchedules = ["gpus", "gpuMemoryGb"] as const;

/** Rules of {@link LocalExecutorConfig}'s own keys (unknown keys are refused by name). */
export const localConfigSchema = optionSchema<Omit<LocalExecutorConfig, keyof ExecutorConfig>>({
	machine: optionRules.object,
});

/**
 * Runs a pipeline in the calling process, stage by stage: the reference
 * semantics every other backend is compared with. Each stage gets one
 * worker: `setupOnNode` and `setup` once, batches of `batchSize` in order,
 * `teardown` always (also when a batch throws). Cancellation is checked
 * between batches.
 */
export class LocalExecutor extends BaseExecutor<LocalExecutorConfig> {
	constructor(config: LocalExecutorConfig = {}) {
		super(
			{ ...config, logger: config.logger ?? defaultLogger() },
			{
				backend: "local",
				supports: localSupports,
				schedules: localSchedules,
				configSchema: localConfigSchema,
			},
		);
	}

	protected override async executeStages(
		stages: ProcessingStage[],
		initialTasks: Task[],
		context: ExecutionContext,
	): Promise<Task[]> {
		this.#checkResources(stages);
		let tasks = initialTasks;
		for (const [index, stage] of stages.entries()) {
			context.throwIfAborted();
			context.emit({ type: "stage:start", stage: stage.name, index, workers: 1 });
			tasks = await this.#runStage(stage, tasks, context);
			context.emit({ type: "stage:end", stage: stage.name, index });
		}
		return tasks;
	}

	async #runStage(
		stage: ProcessingStage,
		inputs: Task[],
		context: ExecutionContext,
	): Promise<Task[]> {
		if (inputs.length === 0) return [];
		const log = context.logger.child({ stage: stage.name });
		const adapter = createNamedAdapter(stage, LocalStageAdapter);
		const worker: WorkerMetadata = {
			workerId: `${stage.name}-0`,
			allocation: { cpus: stage.resources.cpus, gpus: [] },
		};
		adapter.useLogger(log.child({ workerId: worker.workerId }));
		await adapter.setupOnNode({ nodeId: hostname() }, worker);
		await adapter.setup(worker);
		context.emit({
			type: "worker:start",
			stage: stage.name,
			workerId: worker.workerId,
			pid: process.pid,
		});
		log.debug({ tasks: inputs.length, batchSize: stage.batchSize }, "stage started");
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
			log.debug({ outputs: outputs.length }, "stage finished");
		}
		return outputs;
	}

	#checkResources(stages: ProcessingStage[]): void {
		const machine = this.config.machine ?? detectMachine();
		for (const stage of stages) assertFitsMachine(stage, machine, "local");
	}
}
