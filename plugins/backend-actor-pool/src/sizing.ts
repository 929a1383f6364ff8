import {
	CuratorError,
	ErrorCodes,
	type MachineResources,
	type ProcessingStage,
	type WorkerAllocation,
} from "@curator/core";

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
	assertSatisfiable(stage, machine, cpus, gpus);
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

function assertSatisfiable(
	stage: ProcessingStage,
	machine: MachineResources,
	cpus: number,
	gpus: number,
): void {
	if (gpus > 0 && machine.gpus === 0) {
		throw unsatisfiable(
			`stage "${stage.name}" needs ${gpus} GPU(s) per worker and this machine has no GPU`,
		);
	}
	if (cpus > machine.cpus || gpus > machine.gpus) {
		throw unsatisfiable(
			`stage "${stage.name}" asks for ${cpus} cpus and ${gpus} gpus per worker; this machine has ${machine.cpus} cpus and ${machine.gpus} gpus`,
		);
	}
}

function unsatisfiable(message: string): CuratorError {
	return new CuratorError(ErrorCodes.unsatisfiableResources, `actor-pool: ${message}`);
}
