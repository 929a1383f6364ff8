import { CuratorError, ErrorCodes } from "./errors.ts";
import { type ResourcesInit, resourceDefaults } from "./resources.ts";
import type { ProcessingStage } from "./stage.ts";

/**
 * Resource kinds a backend may or may not schedule. CPUs are not listed:
 * every backend schedules them.
 */
export const resourceKinds = ["gpus", "gpuMemoryGb", "nvdecs", "nvencs", "entireGpu"] as const;

/** One of {@link resourceKinds}. */
export type ResourceKind = (typeof resourceKinds)[number] & keyof ResourcesInit;

/** The kinds a stage asks for: those set to other than their default. */
export function requestedKinds(resources: Required<ResourcesInit>): ResourceKind[] {
	return resourceKinds.filter((kind) => resources[kind] !== resourceDefaults[kind]);
}

/**
 * Throws `CURATOR_UNSATISFIABLE_RESOURCES` for the first stage asking for a
 * kind outside `schedules`, naming the stage and every such kind it asks
 * for: a backend that cannot place a kind must refuse it rather than run the
 * stage without it.
 */
export function assertSchedulable(
	stages: readonly ProcessingStage[],
	schedules: readonly ResourceKind[],
	backend: string,
): void {
	for (const stage of stages) {
		const kinds = requestedKinds(stage.resources.toJSON()).filter((k) => !schedules.includes(k));
		if (kinds.length === 0) continue;
		const offered = schedules.length === 0 ? "cpus only" : `cpus, ${schedules.join(", ")}`;
		throw new CuratorError(
			ErrorCodes.unsatisfiableResources,
			`${backend}: stage "${stage.name}" asks for ${kinds.join(" and ")}, which this backend cannot schedule (it schedules ${offered})`,
		);
	}
}
