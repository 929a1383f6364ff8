import type { Logger } from "@curator/core";
import { formatLogRecord } from "@curator/runtime/render";
import { pino } from "pino";
import type { CliLogLevel } from "./args.ts";

/**
 * The CLI's pino logger, at `level`: each record once, as a JSON line on
 * stderr, or, given `readable` (stderr is a terminal), as one readable line
 * handed to it (the run view prints it above the progress bars).
 */
export function createCliLogger(level: CliLogLevel, readable?: (line: string) => void): Logger {
	const base = { level, base: { name: "curator" } };
	if (readable === undefined) return pino(base, pino.destination({ fd: 2, sync: true }));
	return pino(base, { write: (json: string) => readable(readableRecord(json)) });
}

/** A pino JSON line as a readable line (see `formatLogRecord`). */
export function readableRecord(json: string): string {
	const { level, msg, stage, workerId, ...fields } = JSON.parse(json) as Record<string, unknown>;
	return formatLogRecord({
		level: typeof level === "number" ? (pino.levels.labels[level] ?? String(level)) : String(level),
		message: typeof msg === "string" ? msg : "",
		stage: typeof stage === "string" ? stage : undefined,
		workerId: typeof workerId === "string" ? workerId : undefined,
		fields,
	});
}
