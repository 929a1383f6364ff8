import { setFlagsFromString } from "node:v8";

/**
 * V8's Turbofan threshold in a worker process (V8's default is 3,000). It is
 * a budget of executed bytecode, not a count of calls, so a long loop or a
 * function that does real work still reaches it within milliseconds.
 */
export const WORKER_TURBOFAN_INVOCATIONS = 100_000;

const FLAG = "invocation-count-for-turbofan";

/** Where a worker process's V8 settings can come from. */
export interface JitSettings {
	/** The process's own Node flags (`process.execArgv`). */
	execArgv: readonly string[];
	/** `NODE_OPTIONS`, which Node also reads flags from. */
	nodeOptions: string | undefined;
	/** V8's version (`process.versions.v8`). */
	v8Version: string;
}

/**
 * Whether {@link deferTurbofan} changes anything here: not when the user set
 * the threshold (a user's flag wins), and only on the V8 versions known to
 * have it (an unknown flag makes V8 print an error).
 */
export function shouldDeferTurbofan(settings: JitSettings): boolean {
	const major = Number(settings.v8Version.split(".")[0]);
	if (!Number.isInteger(major) || major < 12) return false;
	const userFlags = [...settings.execArgv, settings.nodeOptions ?? ""].join(" ");
	return !userFlags.includes(FLAG);
}

/**
 * Raises V8's Turbofan threshold for this process (see
 * {@link WORKER_TURBOFAN_INVOCATIONS}), unless the user set it; returns
 * whether it did.
 *
 * A worker process lives for one run, often a few hundred milliseconds. At
 * V8's default threshold it spends about a fifth of its CPU time on Turbofan
 * compiling the framework's per-batch code (decoding, id assignment, column
 * layout), code that runs for a few milliseconds in all; on a machine whose
 * cores all run workers, that time is taken from them. Code that stays hot is
 * optimised by Turbofan all the same, later: a long loop at once, a small
 * function called per task after a few hundred thousand calls (running until
 * then as Maglev code, up to about twice as slow).
 *
 * Only for worker processes: V8 settings belong to the whole process, so a
 * worker thread would change them for its parent too. Call it once the
 * stage modules are loaded: a change of V8 settings makes Node's compile
 * cache miss for modules loaded after it.
 */
export function deferTurbofan(
	settings: JitSettings = {
		execArgv: process.execArgv,
		nodeOptions: process.env.NODE_OPTIONS,
		v8Version: process.versions.v8,
	},
	setFlags: (flags: string) => void = setFlagsFromString,
): boolean {
	if (!shouldDeferTurbofan(settings)) return false;
	setFlags(`--${FLAG}=${WORKER_TURBOFAN_INVOCATIONS}`);
	return true;
}
