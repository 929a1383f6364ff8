import { CuratorError, ErrorCodes } from "@curator/core";

/** The setting that chooses where spill folders go. */
export const SPILL_DIR_ENV = "CURATOR_SPILL_DIR";

/**
 * The spill folder cannot be used: it cannot be created, it has no room, or
 * a worker could not write or read a file in it (`ENOSPC` when a small
 * `/dev/shm` fills up). This is about where the run keeps its intermediate
 * data, not about a stage, so it fails the run (even with `ignoreFailures`)
 * instead of being recorded against the stage whose outputs were spilled.
 * The message names the folder and {@link SPILL_DIR_ENV}.
 */
export class SpillError extends CuratorError {
	/** The folder that could not be used. */
	readonly folder: string;

	constructor(folder: string, message: string, options?: ErrorOptions) {
		super(ErrorCodes.spillFailed, message, options);
		this.folder = folder;
	}

	/**
	 * An error for `what` failing in `folder` because of `cause` (usually an
	 * fs error): one line saying which folder, why, and what to set.
	 */
	static of(folder: string, what: string, cause: unknown): SpillError {
		const reason = cause instanceof Error ? cause.message : String(cause);
		return new SpillError(
			folder,
			`spill folder ${folder}: ${what}: ${reason}; set ${SPILL_DIR_ENV} to a folder with room ` +
				"for the run's intermediate data",
			{ cause },
		);
	}
}
