import type { ProcessingStage } from "@curator/core";
import { type GpuSeat, sizeStage, splitGpus, workersThatFit } from "@curator/runtime";
import { dataOf, policyOf } from "./options.ts";
import type { OperatorKind, PlanSettings } from "./plan.ts";

/** A pool of workers: the shared one for pooled tasks, or one actor pool per stage with setup. */
export interface PoolPlan {
	/** `tasks` for the shared pool, else the actor stage's name. */
	name: string;
	kind: OperatorKind;
	/** Stages every worker of the pool hosts. */
	stages: string[];
	stageIndexes: number[];
	minWorkers: number;
	maxWorkers: number;
	cpusPerWorker: number;
	gpusPerWorker: number;
	/** The visible GPUs (see `GpuPlacement`; empty for CPU pools). */
	gpuDevices: string[];
	/**
	 * The pool's share of `gpuDevices`: the seats its workers are placed on,
	 * apart from those of the other GPU pools, which run at the same time
	 * (see `splitGpus`; empty for CPU pools).
	 */
	gpuSeats: GpuSeat[];
	numSetupAttempts: number;
	/** Time limit of a worker's teardown, in seconds (the longest of its stages'). */
	teardownTimeoutS: number;
}

/**
 * The pools of a run: one shared pool for the stages run as tasks, one actor
 * pool per other stage, each within `total` workers and what fits the
 * machine; the GPU pools, which all run at once, split the visible GPUs.
 * Returns them with a warning per GPU pool that got less than it would alone.
 */
export function planPools(
	stages: ProcessingStage[],
	kinds: OperatorKind[],
	total: number,
	settings: PlanSettings,
): { pools: PoolPlan[]; warnings: string[] } {
	const pools: PoolPlan[] = [];
	const shared = stages.map((_, i) => i).filter((i) => kinds[i] === "tasks");
	if (shared.length > 0) pools.push(tasksPool(stages, shared, total, settings));
	stages.forEach((stage, index) => {
		if (kinds[index] === "actors") pools.push(actorPool(stage, index, total, settings));
	});
	return { pools, warnings: shareGpus(pools) };
}

function tasksPool(
	stages: ProcessingStage[],
	shared: number[],
	total: number,
	{ config, machine }: PlanSettings,
): PoolPlan {
	const hosted = shared.map((i) => stages[i] as ProcessingStage);
	const cpus = Math.max(...hosted.map((s) => s.resources.cpus));
	return {
		name: "tasks",
		kind: "tasks",
		stages: hosted.map((s) => s.name),
		stageIndexes: shared,
		minWorkers: 1,
		maxWorkers: Math.max(1, Math.min(total, workersThatFit({ cpus, gpus: 0 }, machine))),
		cpusPerWorker: cpus,
		gpusPerWorker: 0,
		gpuDevices: [],
		gpuSeats: [],
		numSetupAttempts: Math.max(...hosted.map((s) => policyOf(s, config).numSetupAttempts)),
		teardownTimeoutS: Math.max(...hosted.map((s) => policyOf(s, config).teardownTimeoutS)),
	};
}

function actorPool(
	stage: ProcessingStage,
	index: number,
	total: number,
	{ config, machine }: PlanSettings,
): PoolPlan {
	const own = dataOf(stage);
	const fixed = stage.numWorkers();
	const { resources, fit } = sizeStage(stage, machine, "data");
	const max = Math.max(1, Math.min(own.maxWorkers ?? fixed ?? total, total, fit));
	return {
		name: stage.name,
		kind: "actors",
		stages: [stage.name],
		stageIndexes: [index],
		minWorkers: Math.min(max, own.minWorkers ?? fixed ?? 1),
		maxWorkers: max,
		cpusPerWorker: resources.cpus,
		gpusPerWorker: resources.gpus,
		gpuDevices: [...resources.devices],
		gpuSeats: [],
		numSetupAttempts: policyOf(stage, config).numSetupAttempts,
		teardownTimeoutS: policyOf(stage, config).teardownTimeoutS,
	};
}

/**
 * Gives each GPU pool its share of the visible GPUs (every operator runs at
 * once, so every GPU pool may have live workers at the same time) and bounds
 * it by its share. Throws up front when one of them cannot get one worker.
 */
function shareGpus(pools: PoolPlan[]): string[] {
	const gpuPools = pools.filter((pool) => pool.gpusPerWorker > 0);
	const devices = gpuPools[0]?.gpuDevices ?? [];
	const requests = gpuPools.map(({ name, gpusPerWorker, maxWorkers }) => ({
		name,
		gpusPerWorker,
		maxWorkers,
	}));
	const shares = splitGpus(devices, requests, "data");
	const warnings: string[] = [];
	gpuPools.forEach((pool, i) => {
		const seats = shares[i] as GpuSeat[];
		if (seats.length < pool.maxWorkers) {
			warnings.push(
				`GPU stage "${pool.name}" shares the visible GPUs [${devices.join(",")}] with the GPU stages running at the same time: ${seats.length} worker(s), ${pool.maxWorkers} alone`,
			);
		}
		pool.gpuSeats = seats;
		pool.maxWorkers = seats.length;
		pool.minWorkers = Math.min(pool.minWorkers, seats.length);
	});
	return warnings;
}
