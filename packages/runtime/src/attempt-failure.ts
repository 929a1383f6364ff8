import { ErrorCodes } from "@curator/core";
import { isRetriedErrorCode } from "./planning/fault-policy.ts";
import { SpillError } from "./spill/index.ts";
import { TimeLimitExceeded } from "./time-limit.ts";
import { WorkerCrashError, WorkerRequestError } from "./worker-handle.ts";

/** How one `process` call of a `StagePool` runs: its names in failures and retries, and its fault policy. */
export interface Call {
	/** The stages it runs, as messages name them (`A+B` for a fused chain). */
	label: string;
	/**
	 * The stage a failure is charged to when the failing one is unknown (its
	 * worker died): the chain's first, whose inputs are the batch's tasks. A
	 * fused chain thus never shows up as a stage of its own in a run's summary.
	 */
	firstStage: string;
	ignoreFailures: boolean;
	numRunAttempts: number;
	processTimeoutS: number | undefined;
}

/** A failed attempt of a batch, as a `StagePool` retries or reports it. */
export interface AttemptFailure {
	/** Whether the batch may run again (attempts permitting). */
	retry: boolean;
	/** `false` when the attempt does not count (the worker died serving another batch). */
	charged?: boolean;
	stage: string;
	/** The retry event's reason. */
	reason: string;
	cause: unknown;
	exitCause?: string;
	/** The task ids the error names, when it names some. */
	taskIds?: string[];
}

/** Whether the attempt's worker is gone: it died, or was killed past its time limit. */
export function workerIsGone(error: unknown): error is WorkerCrashError | TimeLimitExceeded {
	return error instanceof WorkerCrashError || error instanceof TimeLimitExceeded;
}

/**
 * What a failed attempt on worker `workerId` means: the worker died or ran
 * past the time limit, or the stage threw (the worker stays), and whether
 * the batch may be retried (see `isRetriedErrorCode`). Errors of the run
 * (spill, anything that is not a worker's answer) are thrown.
 */
export function attemptFailure(
	error: unknown,
	workerId: string,
	call: Call,
	spillDir: string | undefined,
): AttemptFailure {
	const stage = call.firstStage;
	const chain = call.label === stage ? "" : ` (running ${call.label})`;
	if (error instanceof WorkerCrashError) {
		const exitCause = error.exit.cause;
		const reason = `worker ${workerId}${chain} ${exitCause}`;
		const cause = chain === "" ? error : new Error(`${error.message}${chain}`, { cause: error });
		return { retry: true, charged: error.culprit, stage, reason, cause, exitCause };
	}
	if (error instanceof TimeLimitExceeded) {
		const exitCause = `killed past the time limit of ${error.limitS} s (processTimeoutS)`;
		const cause = new Error(
			`the batch${chain} ran past its time limit of ${error.limitS} s (processTimeoutS); worker ${workerId} was killed`,
		);
		const reason = `worker ${workerId}${chain} ${exitCause}`;
		return { retry: true, stage, reason, cause, exitCause };
	}
	if (!(error instanceof WorkerRequestError)) throw error;
	if (error.wire.code === ErrorCodes.spillFailed) {
		// The stage did its work; where its outputs go is full or broken: the run's problem.
		throw new SpillError(spillDir ?? "", error.wire.message, { cause: error });
	}
	return {
		retry: isRetriedErrorCode(error.wire.code),
		stage: error.wire.stage ?? stage,
		reason: `the stage threw on worker ${workerId}: ${error.wire.message}`,
		cause: new Error(error.wire.message),
		...(error.wire.taskIds === undefined ? {} : { taskIds: error.wire.taskIds }),
	};
}
