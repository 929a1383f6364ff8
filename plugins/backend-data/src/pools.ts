import type { ProcessingStage } from "@curator/core";
import { resolveFaultPolicy, StagePool, type WorkerCache } from "@curator/runtime";
import type { DataflowOptions } from "./dataflow.ts";
import { dataDefaults } from "./options.ts";
import type { PoolPlan } from "./plan.ts";

/**
 * The runtime pool for one planned pool: its workers host the plan's stages
 * (all stateless ones for the shared `tasks` pool), GPU workers are placed
 * by the pool on the plan's visible GPUs (their own `CUDA_VISIBLE_DEVICES`). Run attempts, `ignoreFailures` and
 * `processTimeoutS` are passed per call, since operators sharing the pool may differ.
 */
export function createStagePool(
	plan: PoolPlan,
	{ config, context, node, stages, spillDir }: DataflowOptions,
	slotsPerWorker: number,
	cache: WorkerCache,
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
		resources: { cpus: plan.cpusPerWorker, gpus: plan.gpusPerWorker, devices: plan.gpuDevices },
		...(config.maxCallsPerWorker === undefined
			? {}
			: { maxCallsPerWorker: config.maxCallsPerWorker }),
		...(config.workerMaxHeapMb === undefined
			? {}
			: { execArgv: [`--max-old-space-size=${config.workerMaxHeapMb}`] }),
	});
}
