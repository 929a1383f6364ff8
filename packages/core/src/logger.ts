/** A log method: `(message)` or `(fields, message)`, as pino's. */
export interface LogFn {
	(message: string): void;
	(fields: object, message?: string): void;
}

/** The logger shape the framework uses; a pino logger satisfies it. */
export interface Logger {
	debug: LogFn;
	info: LogFn;
	warn: LogFn;
	error: LogFn;
	child(bindings: Record<string, unknown>): Logger;
}

const noop: LogFn = () => {};

/** A logger that drops everything. */
export const silentLogger: Logger = {
	debug: noop,
	info: noop,
	warn: noop,
	error: noop,
	child: () => silentLogger,
};
