import { CuratorError, ErrorCodes } from "@curator/core";

/** Exit codes of the `curator` command. */
export const ExitCodes = {
	/** The command did what was asked. */
	ok: 0,
	/** The run started and failed (a stage threw, bad input data, a worker died ...). */
	runFailed: 1,
	/** Bad usage: unknown command or flag, bad flag value, missing input, unknown or absent backend. */
	usage: 2,
	/** The run was interrupted (SIGINT, Ctrl-C); every worker was stopped. */
	interrupted: 130,
	/** The run was terminated (SIGTERM, e.g. by a container stop); every worker was stopped. */
	terminated: 143,
} as const;

/** The signals that stop a run cleanly: cancel it, reap its workers, print its summary. */
export const stopSignals = {
	SIGINT: {
		word: "interrupted",
		note: "interrupted: stopping the run and its workers (Ctrl-C again to force)",
		code: ExitCodes.interrupted,
	},
	SIGTERM: {
		word: "terminated",
		note: "terminated (SIGTERM): stopping the run and its workers (SIGTERM again to force)",
		code: ExitCodes.terminated,
	},
} as const;

/** A signal of {@link stopSignals}. */
export type StopSignal = keyof typeof stopSignals;

/** One of {@link ExitCodes}. */
export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];

/** The command line is wrong; the CLI prints the message and exits with 2. */
export class UsageError extends CuratorError {
	constructor(message: string) {
		super(ErrorCodes.invalidConfig, message);
	}
}

/** A backend plugin is not installed (or cannot be loaded); exit code 2. */
export class BackendUnavailableError extends UsageError {
	/** The backend's CLI name, e.g. `data`. */
	readonly backend: string;

	constructor(backend: string, message: string) {
		super(message);
		this.backend = backend;
	}
}
