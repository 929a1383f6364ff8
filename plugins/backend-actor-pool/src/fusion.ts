import type { ProcessingStage } from "@curator/core";
import { fuseStages as fuseByRules } from "@curator/runtime";
import { type ActorPoolConfig, actorPoolDefaults } from "./options.ts";

/**
 * The actor pool's groups of stages that share one worker call (the
 * runtime's `fuseStages` rule, read from `actorPool` options): each group runs
 * as one pool whose workers pass a batch through every stage of the group.
 * `actorPool.fuse: false` on a stage, or `fuseStages: false` on the executor,
 * keeps stages apart.
 */
export function fuseStages(
	stages: readonly ProcessingStage[],
	config: ActorPoolConfig,
): ProcessingStage[][] {
	return fuseByRules(stages, {
		enabled: config.fuseStages ?? actorPoolDefaults.fuseStages,
		optionsOf: (stage) => stage.backend.actorPool,
		config,
	});
}
