import { type BaseExecutor, ErrorCodes } from "@curator/core";
import { describe } from "vitest";
import { rows } from "../expectations.ts";
import { LifecycleStage, numbersTasks, readJournal } from "../fixtures/index.ts";
import { conformanceKit, disposeExecutor, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/** A key no backend has. */
const unknownKey = "conformanceUnknownKey";

/**
 * Cases "options": an unknown key is refused with `CURATOR_INVALID_CONFIG`
 * naming the key, in the executor config at construction (a fresh
 * executor's own config plus the key, through its constructor, which takes
 * one config object) and in the backend's per-stage options
 * (`stage.backend[stageOptionsKey]`) when a run starts, before any stage is
 * preflighted. A backend without per-stage options skips the second by name.
 */
export function registerOptionCases(factory: ExecutorFactory, options?: ConformanceOptions): void {
	const kit = conformanceKit(factory, options);
	describe("options", () => {
		kit.test(
			"an unknown executor config key is refused by name at construction",
			async (expect) => {
				await kit.withExecutor(async (executor) => {
					const Executor = executor.constructor as new (config: object) => BaseExecutor;
					let made: BaseExecutor | undefined;
					try {
						expect(() => {
							made = new Executor({ ...executor.config, [unknownKey]: 1 });
						}).toThrow(
							expect.objectContaining({
								code: ErrorCodes.invalidConfig,
								message: expect.stringContaining(unknownKey),
							}),
						);
					} finally {
						await disposeExecutor(made);
					}
				});
			},
		);

		const key = kit.stageOptionsKey;
		kit.test(
			"an unknown key in a stage's own backend options is refused by name before any work",
			async (expect) => {
				expect.assertions(4);
				await kit.withTempDir(async (dir) => {
					const backend = { [key as string]: { [unknownKey]: 1 } };
					const stages = [
						new LifecycleStage({ dir, name: "Plain" }),
						new LifecycleStage({ dir, name: "Picky" }).with({ backend: backend as never }),
					];
					try {
						await kit.run(stages, numbersTasks(...rows(3)));
					} catch (error) {
						expect(error).toMatchObject({ code: ErrorCodes.invalidConfig });
						expect((error as Error).message).toContain('"Picky"');
						expect((error as Error).message).toContain(`${key}.${unknownKey}`);
					}
					expect(readJournal(dir), "stage calls (preflight included) before the failure").toEqual(
						[],
					);
				});
			},
			{ when: key === undefined, because: "the backend declares no per-stage options" },
		);
	});
}
