import { describe } from "vitest";
import { idsAndData, rows } from "../expectations.ts";
import { GateStage, numbersTasks, OpenGateStage } from "../fixtures/index.ts";
import { conformanceKit, type ExecutorFactory, gateWaitMs } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/**
 * Cases "streaming": with `supports.streaming`, all stages run at once. The
 * first stage holds one task (the second to arrive, whichever it is) at a
 * gate that only the second stage opens, so a backend that runs stage after
 * stage cannot finish. Only one task is held, so one busy worker slot must
 * not stop the second stage.
 */
export function registerStreamingCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	describe("streaming", () => {
		kit.test(
			"a later stage processes tasks while an earlier stage is still busy",
			async (expect) => {
				await kit.withTempDir(async (dir) => {
					const maxWaitMs = gateWaitMs(kit);
					// Not compared with the reference run: stage after stage, it could only wait.
					const result = await kit.run(
						[
							new GateStage({ dir, openAfter: 1, holdTo: 2, maxWaitMs }),
							new OpenGateStage({ dir }),
						],
						numbersTasks(...rows(4)),
					);
					expect(idsAndData(result.tasks)).toEqual([
						["0_0_0_0", [0]],
						["0_1_0_0", [1]],
						["0_2_0_0", [2]],
						["0_3_0_0", [3]],
					]);
				});
			},
			{ when: !kit.supports.streaming, because: "supports.streaming is false" },
		);
	});
}
