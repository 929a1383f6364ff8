import { tmpdir } from "node:os";
import { CuratorError, ErrorCodes } from "@curator/core";

/**
 * Environment knobs of the kit. What a backend can or cannot do is never an
 * option: the kit reads it from the executor's `supports` manifest.
 */
export interface ConformanceOptions {
	/** Time limit of one case, in milliseconds. */
	timeoutMs?: number;
	/**
	 * Folder in which every case makes (and removes) its own temp folder.
	 * Workers write lifecycle journals there, so it must be visible to all of
	 * them (on several nodes: a shared file system).
	 */
	tempDir?: string;
	/** How long worker processes may take to disappear once a run has settled, in milliseconds. */
	reapTimeoutMs?: number;
}

/** Defaults of {@link ConformanceOptions} (`tempDir` defaults to the OS temp folder). */
export const conformanceDefaults = {
	timeoutMs: 60_000,
	reapTimeoutMs: 5_000,
} as const;

/** {@link ConformanceOptions} with every default applied. */
export interface ResolvedConformanceOptions {
	timeoutMs: number;
	tempDir: string;
	reapTimeoutMs: number;
}

const knownKeys = ["timeoutMs", "tempDir", "reapTimeoutMs"] as const;

/** Validates the options; an unknown key or a bad value throws, naming it. */
export function resolveConformanceOptions(options: unknown = {}): ResolvedConformanceOptions {
	if (typeof options !== "object" || options === null || Array.isArray(options)) {
		throw invalid("options must be an object");
	}
	const given = options as Record<string, unknown>;
	for (const key of Object.keys(given)) {
		if (!(knownKeys as readonly string[]).includes(key)) {
			throw invalid(`unknown option "${key}" (known options: ${knownKeys.join(", ")})`);
		}
	}
	return {
		timeoutMs: positive(given, "timeoutMs", conformanceDefaults.timeoutMs),
		reapTimeoutMs: positive(given, "reapTimeoutMs", conformanceDefaults.reapTimeoutMs),
		tempDir: folder(given.tempDir),
	};
}

function positive(given: Record<string, unknown>, key: string, fallback: number): number {
	const value = given[key];
	if (value === undefined) return fallback;
	if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
		throw invalid(`option "${key}" must be a finite number > 0, got ${String(value)}`);
	}
	return value;
}

function folder(value: unknown): string {
	if (value === undefined) return tmpdir();
	if (typeof value !== "string" || value.length === 0) {
		throw invalid(`option "tempDir" must be a non-empty path, got ${String(value)}`);
	}
	return value;
}

function invalid(message: string): CuratorError {
	return new CuratorError(ErrorCodes.invalidConfig, `conformance: ${message}`);
}
