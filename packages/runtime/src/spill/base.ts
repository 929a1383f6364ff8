import { accessSync, constants, statfsSync } from "node:fs";
import { freemem, tmpdir } from "node:os";
import { resolve } from "node:path";
import { SPILL_DIR_ENV } from "./error.ts";

/**
 * The rule for where spill folders go when {@link SPILL_DIR_ENV} is not set.
 * `/dev/shm` is memory: a file there is as fast as the IPC channel is slow,
 * but it takes RAM, and its size is only a cap (Docker's default is 64 MB).
 * So it is used only when the room it can really offer, its free space but
 * at most `shmMemoryShare` of the memory still available, is at least
 * `shmMinFreeBytes`; else the OS temporary folder is. A document batch can
 * weigh hundreds of megabytes, hence the 1 GiB floor.
 */
export const spillDefaults = {
	/** The memory-backed folder preferred when it has room. */
	shm: "/dev/shm",
	/** Room `/dev/shm` must offer to be chosen (1 GiB). */
	shmMinFreeBytes: 1024 ** 3,
	/** Share of the available memory the spill folder may count on (the workers need the rest). */
	shmMemoryShare: 0.5,
} as const;

/** What {@link chooseSpillBase} decides from. */
export interface SpillCandidates {
	/** The value of {@link SPILL_DIR_ENV}, when set (and not empty). */
	explicit?: string | undefined;
	/** Free bytes of `/dev/shm`, or `undefined` when it is absent or not writable. */
	shmFreeBytes?: number | undefined;
	/** Memory the system can still give (bytes). */
	availableMemoryBytes: number;
	/** The OS temporary folder. */
	fallback: string;
}

/** Where spill folders go, and why. */
export interface SpillBaseChoice {
	path: string;
	/** `env`: set by {@link SPILL_DIR_ENV}; `shm`: `/dev/shm` had room; `tmpdir`: the fallback. */
	source: "env" | "shm" | "tmpdir";
}

/** The rule of {@link spillDefaults}, as a pure function of what was measured. */
export function chooseSpillBase(candidates: SpillCandidates): SpillBaseChoice {
	const { explicit, shmFreeBytes, availableMemoryBytes, fallback } = candidates;
	if (explicit !== undefined && explicit !== "") return { path: explicit, source: "env" };
	if (shmFreeBytes !== undefined) {
		const room = Math.min(shmFreeBytes, availableMemoryBytes * spillDefaults.shmMemoryShare);
		if (room >= spillDefaults.shmMinFreeBytes) return { path: spillDefaults.shm, source: "shm" };
	}
	return { path: fallback, source: "tmpdir" };
}

/**
 * Where this run's spill folder goes: {@link SPILL_DIR_ENV} when set (made
 * absolute), else by the rule of {@link spillDefaults} on what is measured now.
 */
export function spillBase(env: NodeJS.ProcessEnv = process.env): SpillBaseChoice {
	const explicit = explicitSpillDir(env);
	return chooseSpillBase({
		explicit,
		shmFreeBytes: explicit === undefined ? writableFreeBytes(spillDefaults.shm) : undefined,
		availableMemoryBytes: freemem(),
		fallback: tmpdir(),
	});
}

/** {@link SPILL_DIR_ENV} made absolute, or `undefined` when it is not set (or empty). */
export function explicitSpillDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
	const explicit = env[SPILL_DIR_ENV];
	return explicit === undefined || explicit === "" ? undefined : resolve(explicit);
}

/** Bytes an unprivileged writer can still put in `folder`, or `undefined` if it cannot write there. */
export function writableFreeBytes(folder: string): number | undefined {
	try {
		accessSync(folder, constants.W_OK);
		const stats = statfsSync(folder);
		return stats.bavail * stats.bsize;
	} catch {
		return undefined;
	}
}
