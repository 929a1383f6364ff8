import { hasCustomSetup, isBarrier, type ProcessingStage } from "@curator/core";
import {
	type FaultOptions,
	resolveFaultPolicy,
	samePolicy as sameFaultPolicy,
} from "@curator/runtime";
import { type ActorPoolConfig, actorPoolDefaults } from "./options.ts";

/**
 * Groups consecutive stages that can share one worker call: each group runs
 * as one pool whose workers pass a batch through every stage of the group
 * (re-batched to each stage's `batchSize`), so the documents cross the
 * process boundary once per group instead of once per stage.
 *
 * Two neighbours fuse when neither is a source (a source usually fans out),
 * both are stateless (no `setup` of their own: nothing per worker to keep
 * apart), neither needs GPUs or a fixed `numWorkers()`, they ask for the same
 * CPUs and the same fault policy, the second is not a barrier (it must see
 * every task, not one call's share), and neither opts out
 * (`actorPool.fuse: false`, or `fuseStages: false` on the executor).
 */
export function fuseStages(
	stages: readonly ProcessingStage[],
	config: ActorPoolConfig,
): ProcessingStage[][] {
	const groups: ProcessingStage[][] = [];
	for (const stage of stages) {
		const group = groups.at(-1);
		const last = group?.at(-1);
		if (group !== undefined && last !== undefined && fusable(last, stage, config))
			group.push(stage);
		else groups.push([stage]);
	}
	return groups;
}

function fusable(
	first: ProcessingStage,
	second: ProcessingStage,
	config: ActorPoolConfig,
): boolean {
	if ((config.fuseStages ?? actorPoolDefaults.fuseStages) === false) return false;
	return (
		mayFuse(first) &&
		mayFuse(second) &&
		!isBarrier(second) &&
		first.resources.cpus === second.resources.cpus &&
		samePolicy(first, second, config)
	);
}

/** False when something about the stage itself keeps it in a pool of its own. */
function mayFuse(stage: ProcessingStage): boolean {
	return !(
		stage.role === "source" ||
		stage.backend.actorPool?.fuse === false ||
		hasCustomSetup(stage) ||
		stage.resources.requiresGpu ||
		stage.numWorkers() !== undefined
	);
}

function samePolicy(a: ProcessingStage, b: ProcessingStage, config: FaultOptions): boolean {
	return sameFaultPolicy(
		resolveFaultPolicy(a.backend.actorPool, config),
		resolveFaultPolicy(b.backend.actorPool, config),
	);
}
