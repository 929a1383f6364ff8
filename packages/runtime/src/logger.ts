import type { Logger } from "@curator/core";
import { pino } from "pino";

/** The default pino logger: level from `CURATOR_LOG_LEVEL` (default `warn`), to stderr. */
export function defaultLogger(): Logger {
	return pino({ level: process.env.CURATOR_LOG_LEVEL ?? "warn" }, pino.destination(2));
}
