import type { MachineResources, ProcessingStage } from "@curator/core";
import { sizeStage, type WorkerResources } from "@curator/runtime";

/** How many workers a stage gets and what each one is given (GPUs placed by the pool). */
export interface PoolPlan {
	workers: number;
	resources: WorkerResources;
}

/**
 * Pool size = min(the workers that fit the machine (`sizeStage`: cores / cpus
 * per worker, and for GPU stages those that fit on the visible GPUs), number
 * of batches, `numWorkers()` and `maxWorkersPerStage`), at least 1. A request
 * the machine cannot meet at all throws before any work.
 */
export function planPool(
	stage: ProcessingStage,
	machine: MachineResources,
	batches: number,
	maxWorkersPerStage: number | undefined,
): PoolPlan {
	const { resources, fit } = sizeStage(stage, machine, "actor-pool");
	const limits = [fit, batches];
	const fixed = stage.numWorkers();
	if (fixed !== undefined) limits.push(fixed);
	if (maxWorkersPerStage !== undefined) limits.push(maxWorkersPerStage);
	return { workers: Math.max(1, Math.min(...limits)), resources };
}

/**
 * The plan of a fused group of stages (see `fuseStages`): the first stage's
 * plan, with no more workers than any stage of the group would get alone.
 */
export function planGroup(
	group: readonly ProcessingStage[],
	machine: MachineResources,
	batches: number,
	maxWorkersPerStage: number | undefined,
): PoolPlan {
	const plans = group.map((stage) => planPool(stage, machine, batches, maxWorkersPerStage));
	const first = plans[0];
	if (first === undefined) throw new RangeError("a group has at least one stage");
	return { ...first, workers: Math.min(...plans.map((plan) => plan.workers)) };
}
