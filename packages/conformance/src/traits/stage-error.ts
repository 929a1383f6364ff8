import { ErrorCodes, type PipelineStage, type StageError, type Task } from "@curator/core";
import { failureMessage } from "../fixtures/index.ts";
import type { ConformanceKit } from "../kit.ts";

/** One stage kind the stage-error trait is applied to. */
export interface StageErrorSubject {
	/** Describes the stage kind; prefixes the case name. */
	kind: string;
	/** Pipeline whose stage `stage` throws `failureMessage(failsOn)`. */
	stages: () => PipelineStage[];
	inputs: () => Task[];
	/** Name of the failing stage. */
	stage: string;
	/** Id of the task the stage fails on. */
	taskId: string;
	/** The number the failing stage cannot take. */
	failsOn: number;
}

/**
 * Trait "a stage error surfaces with the stage name and the task ids",
 * written once and applied to every stage kind: the run rejects with
 * `CURATOR_STAGE_FAILED`, `stage`, `taskIds` (holding the failing task) and
 * a message naming both and keeping the stage's own message. The case
 * counts its assertions, so a run that resolves (a swallowed error) fails.
 */
export function stageErrorTrait(kit: ConformanceKit, subject: StageErrorSubject): void {
	kit.test(
		`${subject.kind}: the run rejects with the stage name and the task ids`,
		async (expect) => {
			expect.assertions(5);
			try {
				await kit.run(subject.stages(), subject.inputs());
			} catch (caught) {
				const error = caught as StageError;
				expect(error.code).toBe(ErrorCodes.stageFailed);
				expect(error.stage).toBe(subject.stage);
				expect(error.taskIds).toContain(subject.taskId);
				expect(error.message).toContain(`"${subject.stage}"`);
				expect(error.message).toContain(failureMessage(subject.failsOn));
			}
		},
	);
}
