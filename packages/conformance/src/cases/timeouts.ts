import { ErrorCodes, Pipeline, type RunEvent, type StageError } from "@curator/core";
import { describe } from "vitest";
import { idsAndData } from "../expectations.ts";
import { HangingTeardownStage, HangStage, numbersTasks } from "../fixtures/index.ts";
import { conformanceKit, disposeExecutor, type SkipWhen } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";
import type { FaultExecutorFactory, FaultSettings } from "./faults.ts";

/**
 * The time limits of the cases, in seconds. The stages under test hang
 * forever, so a case passes on the outcome (the run fails, or goes on),
 * never on how long anything took.
 */
const limitS = 0.3;

/**
 * Cases "time limits": a batch that never answers fails the run after
 * `processTimeoutS` (each attempt; its worker is killed and replaced),
 * naming the stage, the tasks and the limit; a `teardown` that never returns
 * is killed after `teardownTimeoutS`, and the run goes on, its outputs intact,
 * and reports it with a `warn` log event. An in-process batch or teardown
 * cannot be killed: skipped, visibly, without `supports.processIsolation`.
 *
 * @example
 * registerTimeLimitCases((faults) => new MyExecutor({ ...faults }));
 */
export function registerTimeLimitCases(
	factory: FaultExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(() => factory({}), options);
	const skip: SkipWhen = {
		when: !kit.supports.processIsolation,
		because: "supports.processIsolation is false: an in-process batch cannot be killed",
	};
	const run = async (settings: FaultSettings, stage: HangStage | HangingTeardownStage) => {
		const events: RunEvent[] = [];
		const executor = factory(settings);
		try {
			const pipeline = new Pipeline({ name: "time-limits", stages: [stage] });
			const result = await pipeline.run(executor, numbersTasks([1], [13], [2]), {
				onEvent: (event) => events.push(event),
			});
			return { result, events };
		} finally {
			await disposeExecutor(executor);
		}
	};
	describe("time limits", () => {
		kit.test(
			"a hung batch fails after processTimeoutS on each attempt, naming the stage, the tasks and the limit",
			async (expect) => {
				expect.assertions(5);
				try {
					await run({ processTimeoutS: limitS, numRunAttempts: 2 }, new HangStage({ hangOn: 13 }));
				} catch (caught) {
					const error = caught as StageError;
					expect(error.code).toBe(ErrorCodes.stageFailed);
					expect(error.stage).toBe("HangStage");
					expect(error.taskIds).toEqual(["0_1"]);
					expect(error.attempts).toBe(2);
					expect(error.message).toContain(`${limitS} s`);
				}
			},
			skip,
		);

		kit.test(
			"a hung teardown is killed after teardownTimeoutS: the run goes on and reports it",
			async (expect) => {
				const { result, events } = await run(
					{ teardownTimeoutS: limitS },
					new HangingTeardownStage(),
				);
				expect(idsAndData(result.tasks)).toEqual([
					["0_0_0", [1]],
					["0_1_0", [13]],
					["0_2_0", [2]],
				]);
				const warnings = events.filter(
					(event) =>
						event.type === "log" &&
						event.level === "warn" &&
						/teardown/.test(event.message) &&
						(event.stage ?? "").includes("HangingTeardownStage"),
				);
				expect(warnings.length, "a warning about the teardown").toBeGreaterThan(0);
			},
			skip,
		);
	});
}
