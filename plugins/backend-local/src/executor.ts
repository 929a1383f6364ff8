import { hostname } from "node:os";
import {
	BaseExecutor,
	type ExecutionContext,
	type ExecutorConfig,
	type MachineResources,
	optionRules,
	optionSchema,
	type ProcessingStage,
	runStagesInProcess,
	type Task,
} from "@curator/core";
import { assertFitsMachine, defaultLogger, detectMachine } from "@curator/runtime";
import { LocalStageAdapter } from "./adapter.ts";

/** Settings of {@link LocalExecutor}. */
export interface LocalExecutorConfig extends ExecutorConfig {
	/** What the machine offers; detected when omitted (tests use it to simulate machines). */
	machine?: MachineResources;
	/**
	 * Record a batch whose stage threw in the run's failure report (stage, task
	 * ids, error, attempts) and go on, instead of failing the run (default `false`).
	 */
	ignoreFailures?: boolean;
}

/** Capabilities of the in-process backend. */
export const localSupports = {
	multiNode: false,
	processIsolation: false,
	abort: true,
	retries: false,
	ignoreFailures: true,
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
	ignoreFailures: optionRules.boolean,
});

/**
 * Runs a pipeline in the calling process, stage by stage: the reference
 * semantics every other backend is compared with. It is core's reference
 * in-process stage loop (`runStagesInProcess`) behind a resource check: each
 * stage gets one worker, `setupOnNode` and `setup` once, batches of
 * `batchSize` in order, `teardown` always (also when a batch throws).
 * Cancellation is checked between batches.
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
		const machine = this.config.machine ?? detectMachine();
		for (const stage of stages) assertFitsMachine(stage, machine, "local");
		return runStagesInProcess(stages, initialTasks, context, {
			adapter: LocalStageAdapter,
			nodeId: hostname(),
			pid: process.pid,
			ignoreFailures: this.config.ignoreFailures ?? false,
		});
	}
}
