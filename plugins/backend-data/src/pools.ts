import type { ProcessingStage } from "@curator/core";
import { GpuLedger, resolveFaultPolicy, StagePool, type WorkerCache } from "@curator/runtime";
import type { DataflowOptions } from "./dataflow.ts";
import { dataDefaults } from "./options.ts";
import type { ExecutionPlan } from "./plan.ts";
import type { PoolPlan } from "./pool-plan.ts";

/**
 * The one account of the visible GPUs for every pool of a run: operators run
 * at once, so seats are taken from it by all the GPU pools together.
 */
export function runGpuLedger(plan: ExecutionPlan): GpuLedger {
	return new GpuLedger(plan.pools.find((pool) => pool.gpusPerWorker > 0)?.gpuDevices ?? []);
}

/**
 * The runtime pool for one planned pool: its workers host the plan's stages
 * (all stateless ones for the shared `tasks` pool), GPU workers are placed
 * by the pool on its share of the visible GPUs (their own
 * `CUDA_VISIBLE_DEVICES`), taken from the run's `gpuLedger`. Run attempts,
 * `ignoreFailures` and `processTimeoutS` are passed per call, since operators
 * sharing the pool may differ.
 */
export function createStagePool(
	plan: PoolPlan,
	{ config, context, node, stages, spillDir }: DataflowOptions,
	slotsPerWorker: number,
	cache: WorkerCache,
	gpuLedger: GpuLedger,
): StagePool {
	return new StagePool({
		cache,
		stages: plan.stageIndexes.map((i) => stages[i] as ProcessingStage),
		isolation: config.isolation ?? dataDefaults.isolation,
		node,
		context,
		// Per call (each operator's own): attempts, ignoreFailures and the batch time limit.
		policy: {
			...resolveFaultPolicy(undefined, config),
			numSetupAttempts: plan.numSetupAttempts,
			teardownTimeoutS: plan.teardownTimeoutS,
			ignoreFailures: false,
		},
		idPrefix: plan.name,
		...(spillDir === undefined ? {} : { spillDir }),
		slotsPerWorker,
		resources: {
			cpus: plan.cpusPerWorker,
			gpus: plan.gpusPerWorker,
			devices: plan.gpuDevices,
			seats: plan.gpuSeats,
		},
		gpuLedger,
		...(config.maxCallsPerWorker === undefined
			? {}
			: { maxCallsPerWorker: config.maxCallsPerWorker }),
		...(config.workerMaxHeapMb === undefined
			? {}
			: { execArgv: [`--max-old-space-size=${config.workerMaxHeapMb}`] }),
	});
}
