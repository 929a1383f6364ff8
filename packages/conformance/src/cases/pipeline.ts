import { ErrorCodes, Pipeline } from "@curator/core";
import { describe } from "vitest";
import { expectReferenceOutputs, idsAndData } from "../expectations.ts";
import { MultiplyStage, numbersTasks } from "../fixtures/index.ts";
import { conformanceKit, disposeExecutor, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/** Cases "pipeline": an empty pipeline is rejected; a one-stage pipeline runs. */
export function registerPipelineCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	describe("pipeline", () => {
		kit.test("rejects an empty pipeline", async (expect) => {
			expect.assertions(2);
			const executor = factory();
			try {
				await expect(executor.run([])).rejects.toMatchObject({
					code: ErrorCodes.invalidPipeline,
				});
				await expect(new Pipeline({ name: "empty" }).run(executor)).rejects.toMatchObject({
					code: ErrorCodes.invalidPipeline,
				});
			} finally {
				await disposeExecutor(executor);
			}
		});

		kit.test("runs a one-stage pipeline", async (expect) => {
			const result = await expectReferenceOutputs(kit, expect, {
				stages: () => [new MultiplyStage({ factor: 10 })],
				inputs: () => numbersTasks([1, 2], [3]),
			});
			expect(idsAndData(result.tasks)).toEqual([
				["0_0_0", [10, 20]],
				["0_1_0", [30]],
			]);
			expect(result.summary.ok).toBe(true);
		});
	});
}
