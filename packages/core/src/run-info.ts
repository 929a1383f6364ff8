import type { RunCheckpoint } from "./checkpoint/resume.ts";
import { CuratorError, ErrorCodes } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { ProcessingStage, StageRole } from "./stage.ts";

/** One execution stage of a run, as a manifest records it. */
export interface StageDescription {
	name: string;
	/** The stage's class name. */
	className: string;
	role: StageRole | undefined;
	batchSize: number;
}

/** What ran: the pipeline's name and description (when run through `Pipeline.run`) and its stages. */
export interface PipelineDescription {
	name: string | undefined;
	description: string | undefined;
	/** The backend that ran it. */
	backend: string;
	stages: StageDescription[];
}

/**
 * What a run tells its stages' run hooks (`preflight`, `commit`, `rollback`):
 * its id and what runs. The same object for every hook of one run.
 */
export interface RunInfo {
	/**
	 * The run's id: `RunOptions.runId` when given (a resumed run gives the id
	 * of the run it resumes), otherwise generated (see {@link newRunId}).
	 */
	readonly runId: string;
	readonly pipeline: PipelineDescription;
	/** The run's logger. */
	readonly logger: Logger;
	/** The run's checkpoint, when it has one (`RunOptions.checkpoint`): sinks keep their staging for it. */
	readonly checkpoint?: RunCheckpoint;
}

/** How a run id may look: it names folders (a sink's staging folder), so only portable file-name characters. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * A new run id: the UTC start time to the second and 8 random hex digits,
 * e.g. `20250102T030405Z-1a2b3c4d`, so ids sort by start time and two runs
 * started in the same second still differ.
 */
export function newRunId(now: Date = new Date()): string {
	const stamp = now
		.toISOString()
		.replace(/\.\d+Z$/, "Z")
		.replaceAll(/[-:]/g, "");
	return `${stamp}-${globalThis.crypto.randomUUID().slice(0, 8)}`;
}

/** `runId` when it matches {@link RUN_ID_PATTERN}, else a `CURATOR_INVALID_CONFIG` error naming it. */
export function checkRunId(runId: unknown, backend: string): string {
	if (typeof runId === "string" && RUN_ID_PATTERN.test(runId)) return runId;
	throw new CuratorError(
		ErrorCodes.invalidConfig,
		`${backend}: run option "runId" must be 1 to 100 letters, digits, ".", "_" or "-", starting with a letter or digit, got ${JSON.stringify(runId)}`,
	);
}

/** The description of resolved `stages` run by `backend`. */
export function describePipeline(
	stages: readonly ProcessingStage[],
	backend: string,
	pipeline: { name?: string; description?: string } = {},
): PipelineDescription {
	return {
		name: pipeline.name,
		description: pipeline.description,
		backend,
		stages: stages.map((stage) => ({
			name: stage.name,
			className: stage.constructor.name,
			role: stage.role,
			batchSize: stage.batchSize,
		})),
	};
}
