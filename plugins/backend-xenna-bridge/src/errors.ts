import { AbortError, CuratorError, ErrorCodes, StageError } from "@curator/core";
import { setupCommand } from "./python.ts";

/** Prefix of every error message of this backend. */
export const backendName = "xenna-bridge";

/**
 * The Python side cannot run: no interpreter, or one without `ray_js_bridge`'s
 * dependencies (pyzmq, msgpack, ray, cosmos-xenna). Code `CURATOR_INVALID_CONFIG`;
 * the message ends with {@link XennaEnvironmentError.setupCommand}.
 */
export class XennaEnvironmentError extends CuratorError {
	/** The exact command that sets the environment up. */
	readonly setupCommand: string;
	constructor(problem: string, command: string = setupCommand()) {
		super(
			ErrorCodes.invalidConfig,
			`${backendName}: ${problem}. Set up the bridge's Python environment with: ${command} (or pass \`python\`: an interpreter with ray_js_bridge, ray and cosmos-xenna)`,
		);
		this.setupCommand = command;
	}
}

/** The driver process died or broke the protocol; code `CURATOR_WORKER_FAILED`. */
export class XennaDriverError extends CuratorError {
	constructor(message: string, options?: ErrorOptions) {
		super(ErrorCodes.workerFailed, `${backendName}: ${message}`, options);
	}
}

/** The `error` field of a driver message. */
export interface DriverErrorFields {
	code?: string;
	message?: string;
	stage?: string;
	taskIds?: string[];
	workerId?: string;
	attempts?: number;
	exitCause?: string;
	missing?: string;
}

const knownCodes = new Set<string>(Object.values(ErrorCodes));

/** The error a run rejects with for a driver's `error` message. */
export function driverError(fields: DriverErrorFields): Error {
	const message = fields.message ?? "the driver reported an error";
	switch (fields.code) {
		case ErrorCodes.stageFailed:
			return new StageError(
				{
					stage: fields.stage ?? "(unknown)",
					taskIds: fields.taskIds ?? [],
					...(fields.workerId === undefined ? {} : { workerId: fields.workerId }),
					...(fields.attempts === undefined ? {} : { attempts: fields.attempts }),
					...(fields.exitCause === undefined ? {} : { exitCause: fields.exitCause }),
				},
				new Error(message),
			);
		case ErrorCodes.aborted:
			return new AbortError(message);
		case ErrorCodes.invalidConfig:
			if (fields.missing !== undefined) {
				return new XennaEnvironmentError(`the Python driver misses a module (${message})`);
			}
			return new CuratorError(ErrorCodes.invalidConfig, `${backendName}: ${message}`);
		default: {
			const code =
				fields.code !== undefined && knownCodes.has(fields.code)
					? (fields.code as CuratorError["code"])
					: ErrorCodes.workerFailed;
			return new CuratorError(code, `${backendName}: ${message}`);
		}
	}
}
