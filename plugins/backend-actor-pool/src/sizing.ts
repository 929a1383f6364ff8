import type { MachineResources, ProcessingStage, WorkerAllocation } from "@curator/core";
import { assertFitsMachine } from "@curator/runtime";

/** How many workers a stage gets and what each one is given. */
export interface PoolPlan {
	workers: number;
	allocation(slot: number): WorkerAllocation;
	env(slot: number): Record<string, string>;
}

/**
 * Pool size = min(cores / cpus per worker, GPUs / gpus per worker (GPU
 * stages), number of batches, `numWorkers()` and `maxWorkersPerStage`), at
 * least 1. A request the machine cannot meet at all throws before any work.
 */
export function planPool(
	stage: ProcessingStage,
	machine: MachineResources,
	batches: number,
	maxWorkersPerStage: number | undefined,
): PoolPlan {
	const { cpus } = stage.resources;
	const gpus = stage.resources.gpuFraction(machine.gpuMemoryGb);
	assertFitsMachine(stage, machine, "actor-pool");
	const limits = [Math.floor(machine.cpus / cpus), batches];
	if (gpus > 0) limits.push(Math.floor(machine.gpus / gpus));
	const fixed = stage.numWorkers();
	if (fixed !== undefined) limits.push(fixed);
	if (maxWorkersPerStage !== undefined) limits.push(maxWorkersPerStage);
	const workers = Math.max(1, Math.min(...limits));
	const gpuIndexes = (slot: number): number[] => {
		if (gpus === 0) return [];
		if (gpus >= 1) return Array.from({ length: gpus }, (_, i) => slot * gpus + i);
		return [Math.floor(slot * gpus)];
	};
	return {
		workers,
		allocation: (slot) => ({ cpus, gpus: gpuIndexes(slot) }),
		env: (slot): Record<string, string> =>
			gpus > 0 ? { CUDA_VISIBLE_DEVICES: gpuIndexes(slot).join(",") } : {},
	};
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
