import { CommitError, PreflightError } from "./errors.ts";
import type { RunInfo } from "./run-info.ts";
import type { ProcessingStage } from "./stage.ts";
import type { Task } from "./task.ts";

/**
 * Runs every stage's `preflight(run)`, in order, in the calling process;
 * the first failure rejects as {@link PreflightError}. Fields a stage sets
 * here travel to its workers: every backend describes stages for its
 * workers only after this.
 */
export async function preflightStages(
	stages: readonly ProcessingStage[],
	run: RunInfo,
): Promise<void> {
	for (const stage of stages) {
		// A stage built on an older copy of core has no hook.
		if (typeof stage.preflight !== "function") continue;
		try {
			await stage.preflight(run);
		} catch (error) {
			throw new PreflightError(stage.name, error);
		}
	}
}

/**
 * Runs every stage's `commit(run)`, in order, once every stage finished.
 * When one fails, the stages not yet committed (that one included) are
 * rolled back and the run rejects with {@link CommitError}.
 */
export async function commitStages(
	stages: readonly ProcessingStage[],
	run: RunInfo,
): Promise<void> {
	for (const [index, stage] of stages.entries()) {
		if (typeof stage.commit !== "function") continue;
		try {
			await stage.commit(run);
		} catch (error) {
			await rollbackStages(stages.slice(index), run);
			throw new CommitError(stage.name, error);
		}
	}
}

/**
 * Once every stage committed: passes the run's output tasks through every
 * stage's `publishedOutputs(tasks, run)`, in order (a sink points the tasks
 * naming its staged files at the files it published). A failure rejects as
 * {@link CommitError}; nothing is rolled back, the output is published.
 */
export async function publishOutputs(
	stages: readonly ProcessingStage[],
	tasks: Task[],
	run: RunInfo,
): Promise<Task[]> {
	let outputs = tasks;
	for (const stage of stages) {
		// A stage built on an older copy of core has no hook.
		if (typeof stage.publishedOutputs !== "function") continue;
		try {
			outputs = await stage.publishedOutputs(outputs, run);
		} catch (error) {
			throw new CommitError(stage.name, error);
		}
	}
	return outputs;
}

/**
 * Runs every stage's `rollback(run)` after a failed or aborted run. A
 * rollback that fails is logged and does not hide the run's own error.
 */
export async function rollbackStages(
	stages: readonly ProcessingStage[],
	run: RunInfo,
): Promise<void> {
	for (const stage of stages) {
		if (typeof stage.rollback !== "function") continue;
		try {
			await stage.rollback(run);
		} catch (error) {
			run.logger.warn(
				{ stage: stage.name, runId: run.runId, err: error },
				`stage "${stage.name}" could not roll back its output`,
			);
		}
	}
}
