import type { Logger } from "@curator/core";
import { pino } from "pino";
import type { CliLogLevel } from "./args.ts";

/** The CLI's pino logger: structured lines on stderr at `level`. */
export function createCliLogger(level: CliLogLevel): Logger {
	return pino({ level, base: { name: "curator" } }, pino.destination({ fd: 2, sync: true }));
}
