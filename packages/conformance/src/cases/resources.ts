import { ErrorCodes, type ResourcesInit } from "@curator/core";
import { describe } from "vitest";
import { rows } from "../expectations.ts";
import { LifecycleStage, numbersTasks, stageCalls } from "../fixtures/index.ts";
import { conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

const requests: [string, ResourcesInit][] = [
	["10 000 cpus", { cpus: 10_000 }],
	["64 gpus", { gpus: 64 }],
];

/**
 * Cases "resources": a request no machine here can meet fails with
 * `CURATOR_UNSATISFIABLE_RESOURCES`, naming the stage, before any stage
 * (also an earlier, satisfiable one) is set up or processes a task.
 */
export function registerResourceCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	describe("resources", () => {
		for (const [label, resources] of requests) {
			kit.test(`a request for ${label} fails before any work starts`, async (expect) => {
				expect.assertions(3);
				await kit.withTempDir(async (dir) => {
					const stages = [
						new LifecycleStage({ dir, name: "Modest" }),
						new LifecycleStage({ dir, name: "Greedy" }).with({ resources }),
					];
					try {
						await kit.run(stages, numbersTasks(...rows(3)));
					} catch (error) {
						expect(error).toMatchObject({ code: ErrorCodes.unsatisfiableResources });
						expect((error as Error).message).toContain("Greedy");
					}
					expect(stageCalls(dir), "lifecycle calls before the failure").toEqual([]);
				});
			});
		}
	});
}
