import type { LogFn, Logger } from "@curator/core";

/** Sends one log record to wherever the records of a process go (a worker's parent). */
export type LogSink = (
	level: "debug" | "info" | "warn" | "error",
	message: string,
	fields: Record<string, unknown>,
) => void;

/**
 * A {@link Logger} that hands every record to `sink` with `bindings` merged
 * into its fields: what a stage logs inside a worker reaches the run's
 * logger in the parent.
 */
export function sinkLogger(sink: LogSink, bindings: Record<string, unknown> = {}): Logger {
	const at =
		(level: Parameters<LogSink>[0]): LogFn =>
		(first: string | object, message?: string) => {
			if (typeof first === "string") sink(level, first, { ...bindings });
			else sink(level, message ?? "", { ...bindings, ...first });
		};
	return {
		debug: at("debug"),
		info: at("info"),
		warn: at("warn"),
		error: at("error"),
		child: (more) => sinkLogger(sink, { ...bindings, ...more }),
	};
}
