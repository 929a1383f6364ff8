import { hostname } from "node:os";
import {
	BaseExecutor,
	type ExecutionContext,
	type ProcessingStage,
	resolveStages,
	type Task,
} from "@curator/core";
import { detectMachine, SpillDir } from "@curator/runtime";
import { Dataflow } from "./dataflow.ts";
import type { DataRunMetrics } from "./metrics.ts";
import { type DataConfig, dataConfigSchema, dataDefaults, dataStageSchema } from "./options.ts";
import { describePlan, type ExecutionPlan, planExecution } from "./plan.ts";

/**
 * Capabilities of the data backend, but `spill`: it spills with worker
 * processes (the default), see {@link DataExecutor}.
 */
export const dataSupports = {
	multiNode: false,
	processIsolation: true,
	abort: true,
	retries: true,
	ignoreFailures: true,
	streaming: true,
} as const;

/**
 * Resource kinds beyond CPUs the data backend places: GPUs (whole or
 * fractions, by `CUDA_VISIBLE_DEVICES`), also asked for as GPU memory. It
 * has no way to place video codecs or to reserve entire GPUs.
 */
export const dataSchedules = ["gpus", "gpuMemoryGb"] as const;

/**
 * Runs a pipeline as a streaming dataflow on one machine (the counterpart of
 * NeMo Curator's Ray Data executor): every stage runs at once, operators are
 * connected by bounded queues, and a producer is paused while its consumer's
 * queue is full, so memory stays bounded however large the input. Stateless
 * stages run as pooled tasks on shared workers (adjacent ones fused into one
 * call); stages with `setup` run as actor pools scaled with queue depth; all
 * within `maxWorkers`. Faults are handled as on actor-pool, by the shared
 * runtime: retries, `ignoreFailures` with a failure report, and reaping.
 */
export class DataExecutor extends BaseExecutor<DataConfig> {
	#flow: Dataflow | undefined;

	constructor(config: DataConfig = {}) {
		super(config, {
			backend: "data",
			supports: { ...dataSupports, spill: spills(config) },
			schedules: dataSchedules,
			configSchema: dataConfigSchema,
			stageOptions: { key: "data", schema: dataStageSchema },
		});
	}

	/**
	 * The execution plan for `stages` (as a pipeline would resolve them): the
	 * operators, which stages are fused, tasks vs actors, and pool sizes.
	 */
	plan(stages: readonly unknown[]): ExecutionPlan {
		return this.#plan(resolveStages(stages));
	}

	/** Metrics of the latest run (live while it runs), or `undefined` before the first. */
	get metrics(): DataRunMetrics | undefined {
		return this.#flow?.metrics();
	}

	protected override async executeStages(
		stages: ProcessingStage[],
		initialTasks: Task[],
		context: ExecutionContext,
	): Promise<Task[]> {
		const plan = this.#plan(stages);
		// A log event is also a record of the run's logger (see BaseExecutor.run).
		context.emit({ type: "log", level: "info", message: describePlan(plan), fields: { plan } });
		for (const warning of plan.warnings)
			context.emit({ type: "log", level: "warn", message: warning });
		// Large outputs travel between worker processes as files in shared memory (only an
		// operator followed by another one keeps its outputs encoded).
		const isolation = this.config.isolation ?? dataDefaults.isolation;
		const spill =
			isolation === "process" && plan.operators.length > 1 ? SpillDir.create() : undefined;
		const flow = new Dataflow({
			plan,
			stages,
			initialTasks,
			context,
			config: this.config,
			node: { nodeId: hostname() },
			...(spill === undefined ? {} : { spillDir: spill.path }),
		});
		this.#flow = flow;
		try {
			return await flow.run();
		} finally {
			await spill?.remove();
		}
	}

	#plan(stages: ProcessingStage[]): ExecutionPlan {
		const machine = this.config.machine ?? detectMachine();
		return planExecution(stages, { config: this.config, machine });
	}
}

/** Whether runs with `config` pass large outputs between worker processes as spilled files. */
function spills(config: DataConfig): boolean {
	// Not an object: the base constructor refuses it, by name.
	if (typeof config !== "object" || config === null) return false;
	return (config.isolation ?? dataDefaults.isolation) === "process";
}
