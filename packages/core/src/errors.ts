/**
 * Stable error codes. Each is documented in the package README; code that
 * handles failures should switch on `code`, never on the message.
 */
export const ErrorCodes = {
	invalidResources: "CURATOR_INVALID_RESOURCES",
	invalidStage: "CURATOR_INVALID_STAGE",
	invalidPipeline: "CURATOR_INVALID_PIPELINE",
	invalidConfig: "CURATOR_INVALID_CONFIG",
	invalidTask: "CURATOR_INVALID_TASK",
	stageFailed: "CURATOR_STAGE_FAILED",
	unsatisfiableResources: "CURATOR_UNSATISFIABLE_RESOURCES",
	aborted: "CURATOR_ABORTED",
	workerFailed: "CURATOR_WORKER_FAILED",
	protocol: "CURATOR_PROTOCOL",
	notPortable: "CURATOR_NOT_PORTABLE",
	spillFailed: "CURATOR_SPILL_FAILED",
	runInWorker: "CURATOR_RUN_IN_WORKER",
	preflightFailed: "CURATOR_PREFLIGHT_FAILED",
	commitFailed: "CURATOR_COMMIT_FAILED",
	outputExists: "CURATOR_OUTPUT_EXISTS",
	checkpoint: "CURATOR_CHECKPOINT",
	rayJobs: "CURATOR_RAY_JOBS",
} as const;

/** One of the stable `CURATOR_*` codes. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every error the framework throws on purpose. */
export class CuratorError extends Error {
	/** Stable machine-readable code, e.g. `CURATOR_STAGE_FAILED`. */
	readonly code: ErrorCode;

	constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
		super(message, options);
		this.code = code;
		this.name = new.target.name;
	}
}

/** Where a stage failure happened. */
export interface StageFailureContext {
	/** Stage name as shown in logs. */
	stage: string;
	/** Ids of the tasks of the failing batch. */
	taskIds: readonly string[];
	/** Worker that ran the batch, when known. */
	workerId?: string;
	/** Attempts made before giving up. */
	attempts?: number;
	/** How the worker ended, when it died (exit code or signal). */
	exitCause?: string;
}

/** A stage threw (or its worker died) while processing a batch. */
export class StageError extends CuratorError {
	readonly stage: string;
	readonly taskIds: readonly string[];
	readonly workerId: string | undefined;
	readonly attempts: number | undefined;
	readonly exitCause: string | undefined;

	constructor(context: StageFailureContext, cause: unknown) {
		super(ErrorCodes.stageFailed, describeStageFailure(context, cause), { cause });
		this.stage = context.stage;
		this.taskIds = context.taskIds;
		this.workerId = context.workerId;
		this.attempts = context.attempts;
		this.exitCause = context.exitCause;
	}
}

/** A stage's `preflight()` check failed: the run stopped before any stage started. */
export class PreflightError extends CuratorError {
	/** Stage name as shown in logs. */
	readonly stage: string;

	constructor(stage: string, cause: unknown) {
		const reason = cause instanceof Error ? cause.message : String(cause);
		super(ErrorCodes.preflightFailed, `stage "${stage}" failed its pre-flight check: ${reason}`, {
			cause,
		});
		this.stage = stage;
	}
}

/**
 * A stage's `commit()` failed after every stage had finished: the run
 * rejects, and the stage's output is not marked finished.
 */
export class CommitError extends CuratorError {
	/** Stage name as shown in logs. */
	readonly stage: string;

	constructor(stage: string, cause: unknown) {
		const reason = cause instanceof Error ? cause.message : String(cause);
		super(ErrorCodes.commitFailed, `stage "${stage}" could not commit its output: ${reason}`, {
			cause,
		});
		this.stage = stage;
	}
}

/** The run was cancelled through its `AbortSignal`. */
export class AbortError extends CuratorError {
	constructor(reason?: unknown) {
		super(ErrorCodes.aborted, `run aborted${reason === undefined ? "" : `: ${String(reason)}`}`);
	}
}

function describeStageFailure(context: StageFailureContext, cause: unknown): string {
	const ids = summarizeIds(context.taskIds);
	const parts = [`stage "${context.stage}" failed on tasks [${ids}]`];
	if (context.workerId !== undefined) parts.push(`worker ${context.workerId}`);
	if (context.attempts !== undefined) parts.push(`after ${context.attempts} attempt(s)`);
	if (context.exitCause !== undefined) parts.push(`worker exit: ${context.exitCause}`);
	const reason = cause instanceof Error ? cause.message : String(cause);
	return `${parts.join(", ")}: ${reason}`;
}

function summarizeIds(ids: readonly string[]): string {
	const shown = ids.slice(0, 10).join(", ");
	return ids.length > 10 ? `${shown}, ... (${ids.length} tasks)` : shown;
}

/**
 * A run's checkpoint cannot be used: it belongs to another pipeline or to a
 * run that finished, or it cannot be read or written. Raised before any
 * stage runs, except for a write that fails mid-run.
 */
export class CheckpointError extends CuratorError {
	/** The checkpoint's folder (or the store's location). */
	readonly location: string;

	constructor(location: string, reason: string, cause?: unknown) {
		super(
			ErrorCodes.checkpoint,
			`checkpoint ${location}: ${reason}`,
			cause === undefined ? undefined : { cause },
		);
		this.location = location;
	}
}
