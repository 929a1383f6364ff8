import { ErrorCodes, type ResourceKind, type ResourcesInit } from "@curator/core";
import { describe } from "vitest";
import { rows } from "../expectations.ts";
import { LifecycleStage, numbersTasks, readJournal } from "../fixtures/index.ts";
import { conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/** A request for each kind a backend may not schedule (`entireGpu` needs whole GPUs). */
const requests: Record<ResourceKind, ResourcesInit> = {
	gpus: { gpus: 1 },
	gpuMemoryGb: { gpuMemoryGb: 1 },
	nvdecs: { nvdecs: 1 },
	nvencs: { nvencs: 1 },
	entireGpu: { gpus: 1, entireGpu: true },
};

/**
 * Cases "capabilities": for each resource kind the backend does not declare
 * in `schedules`, a stage asking for it fails the run with
 * `CURATOR_UNSATISFIABLE_RESOURCES` naming the stage and the kind, before
 * any stage (also an earlier one) is preflighted, set up or given a task.
 * A declared kind's case is skipped by name.
 */
export function registerCapabilityCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	describe("capabilities", () => {
		for (const [kind, resources] of Object.entries(requests) as [ResourceKind, ResourcesInit][]) {
			kit.test(
				`a stage asking for ${kind}, which the backend does not schedule, fails before any work`,
				async (expect) => {
					expect.assertions(4);
					await kit.withTempDir(async (dir) => {
						const stages = [
							new LifecycleStage({ dir, name: "Plain" }),
							new LifecycleStage({ dir, name: "Wanting" }).with({ resources }),
						];
						try {
							await kit.run(stages, numbersTasks(...rows(3)));
						} catch (error) {
							expect(error).toMatchObject({ code: ErrorCodes.unsatisfiableResources });
							expect((error as Error).message).toContain('"Wanting"');
							expect((error as Error).message, "the error names the kind").toContain(kind);
						}
						expect(readJournal(dir), "stage calls (preflight included) before the failure").toEqual(
							[],
						);
					});
				},
				{ when: kit.schedules.includes(kind), because: `the backend schedules ${kind}` },
			);
		}
	});
}
