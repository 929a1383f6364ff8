import { hasCustomSetup, isBarrier, type ProcessingStage } from "@curator/core";
import { type FaultOptions, resolveFaultPolicy, samePolicy } from "./fault-policy.ts";

/** A backend's per-stage options as fusion reads them: an opt-out and the fault options. */
export interface FusableOptions extends FaultOptions {
	/** `false` keeps the stage in a group of its own. */
	fuse?: boolean;
}

/** How a backend asks {@link fuseStages} to group its stages. */
export interface FusionRules {
	/** The executor's switch (`fuseStages: false` turns fusion off). */
	enabled: boolean;
	/** The stage's own options of this backend (e.g. `stage.backend.actorPool`). */
	optionsOf(stage: ProcessingStage): FusableOptions | undefined;
	/** The executor's fault options, the fallback of every stage's. */
	config: FaultOptions;
	/**
	 * What else two neighbours must share to run in one worker (a backend's
	 * placement options, for instance). Default: nothing else.
	 */
	alike?(first: ProcessingStage, second: ProcessingStage): boolean;
}

/**
 * Groups consecutive stages that can share one worker call: each group runs
 * on one set of workers that pass a batch through every stage of the group
 * (re-batched to each stage's `batchSize`), so the documents cross a process
 * boundary once per group instead of once per stage.
 *
 * Two neighbours fuse when neither is a source (a source usually fans out),
 * both are stateless (no `setup` of their own: nothing per worker to keep
 * apart), neither needs GPUs or a fixed `numWorkers()`, they ask for the same
 * CPUs and the same fault policy, the second is not a barrier (it must see
 * every task, not one call's share), the backend finds them `alike`, and
 * neither opts out (`fuse: false` in its options, or the executor's switch).
 */
export function fuseStages(
	stages: readonly ProcessingStage[],
	rules: FusionRules,
): ProcessingStage[][] {
	const groups: ProcessingStage[][] = [];
	for (const stage of stages) {
		const group = groups.at(-1);
		const last = group?.at(-1);
		if (group !== undefined && last !== undefined && fusable(last, stage, rules)) group.push(stage);
		else groups.push([stage]);
	}
	return groups;
}

function fusable(first: ProcessingStage, second: ProcessingStage, rules: FusionRules): boolean {
	if (!rules.enabled) return false;
	const [a, b] = [rules.optionsOf(first), rules.optionsOf(second)];
	return (
		mayFuse(first, a) &&
		mayFuse(second, b) &&
		!isBarrier(second) &&
		first.resources.cpus === second.resources.cpus &&
		samePolicy(resolveFaultPolicy(a, rules.config), resolveFaultPolicy(b, rules.config)) &&
		(rules.alike?.(first, second) ?? true)
	);
}

/** False when something about the stage itself keeps it in a group of its own. */
function mayFuse(stage: ProcessingStage, options: FusableOptions | undefined): boolean {
	return !(
		stage.role === "source" ||
		options?.fuse === false ||
		hasCustomSetup(stage) ||
		stage.resources.requiresGpu ||
		stage.numWorkers() !== undefined
	);
}
