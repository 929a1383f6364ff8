import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	explicitSpillDir,
	type SpillBaseChoice,
	spillBase,
	spillDefaults,
	writableFreeBytes,
} from "./base.ts";
import { SPILL_DIR_ENV, SpillError } from "./error.ts";
import { currentOwner, spillFolderName, sweepSpillFolders } from "./owner.ts";

/**
 * One run's folder of spilled tasks. A worker process writes a large output
 * to a file there and replies with its path; the next worker reads the file.
 * Bytes then cross from process to process through memory-backed files
 * instead of through the IPC channel and this process, which is several
 * times faster for the hundreds of megabytes a document batch can weigh.
 * The folder is removed at the end of the run, whatever happens; folders
 * left by a process that was killed are removed at the next run's start.
 */
export class SpillDir {
	readonly path: string;
	/** How its base folder was chosen (`given`: passed to {@link SpillDir.create}). */
	readonly source: SpillBaseChoice["source"] | "given";

	private constructor(path: string, source: SpillDir["source"]) {
		this.path = path;
		this.source = source;
	}

	/**
	 * Creates a fresh folder under `base`, default {@link spillBase}. Spill
	 * folders of dead processes are removed first, from `base` or from every
	 * folder a run may spill to (before `/dev/shm`'s free space is measured:
	 * leftovers count against it). Throws a {@link SpillError} naming the
	 * folder when it cannot be made or has no free space.
	 */
	static create(base?: string): SpillDir {
		const owner = currentOwner();
		const roots = base === undefined ? sweepRoots() : [base];
		for (const root of roots) sweepSpillFolders(root, owner);
		const choice = base === undefined ? spillBase() : { path: base, source: "given" as const };
		const path = join(choice.path, spillFolderName(owner, randomTag()));
		const chosenBy = choice.source === "env" ? ` (chosen by ${SPILL_DIR_ENV})` : "";
		try {
			mkdirSync(path, { recursive: true, mode: 0o700 });
		} catch (error) {
			throw SpillError.of(choice.path, `cannot create the run's folder there${chosenBy}`, error);
		}
		if (writableFreeBytes(path) === 0) {
			rmSync(path, { recursive: true, force: true });
			throw SpillError.of(choice.path, `no room${chosenBy}`, "no free space left");
		}
		return new SpillDir(path, choice.source);
	}

	/** Deletes the folder and everything in it. */
	async remove(): Promise<void> {
		const { rm } = await import("node:fs/promises");
		await rm(this.path, { recursive: true, force: true });
	}
}

/**
 * 12 random hex digits. Web Crypto's global, not `node:crypto`: this module
 * is imported by worker hosts, which must not load `node:crypto` at start.
 */
function randomTag(): string {
	return Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString("hex");
}

/** Every folder a run may have spilled to (whichever the rule chose back then). */
function sweepRoots(): string[] {
	const explicit = explicitSpillDir();
	return [...new Set([...(explicit === undefined ? [] : [explicit]), spillDefaults.shm, tmpdir()])];
}
