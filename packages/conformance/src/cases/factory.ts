import type { ExecutorSupports } from "@curator/core";
import { describe } from "vitest";
import { expectReferenceOutputs, type Scenario } from "../expectations.ts";
import { FilterStage, MultiplyStage, numbersTasks, SplitStage } from "../fixtures/index.ts";
import { conformanceKit, disposeExecutor, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

const supportKeys = [
	"multiNode",
	"processIsolation",
	"abort",
	"retries",
	"ignoreFailures",
	"streaming",
] as const satisfies readonly (keyof ExecutorSupports)[];

/**
 * Cases "factory": the factory returns a fresh executor every call, with a
 * complete frozen `supports` manifest, and two executors do not interfere.
 */
export function registerFactoryCases(factory: ExecutorFactory, options?: ConformanceOptions): void {
	const kit = conformanceKit(factory, options);
	describe("factory", () => {
		kit.test(
			"returns a fresh executor with a complete, frozen supports manifest",
			async (expect) => {
				const first = factory();
				const second = factory();
				try {
					expect(first, "two factory() calls returned the same executor").not.toBe(second);
					expect(typeof first.run).toBe("function");
					expect(first.backend).toMatch(/\S/);
					for (const key of supportKeys) {
						expect(typeof first.supports[key], `supports.${key}`).toBe("boolean");
					}
					// The one optional key: a backend that never spills may leave it out.
					expect(["boolean", "undefined"], "supports.spill").toContain(typeof first.supports.spill);
					expect(Object.isFrozen(first.supports), "supports is frozen").toBe(true);
				} finally {
					await disposeExecutor(first);
					await disposeExecutor(second);
				}
			},
		);

		kit.test("two executors run side by side without interfering", async (expect) => {
			const scenario = sideBySide();
			await Promise.all([
				expectReferenceOutputs(kit, expect, scenario),
				expectReferenceOutputs(kit, expect, scenario),
			]);
		});
	});
}

function sideBySide(): Scenario {
	return {
		stages: () => [
			new SplitStage({ chunk: 1 }),
			new FilterStage({ modulo: 2, remainder: 0, batchSize: 2 }),
			new MultiplyStage({ factor: 10 }),
		],
		inputs: () => numbersTasks([1, 2, 3, 4], [5, 6]),
	};
}
