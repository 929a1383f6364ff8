import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PREFIX = "curator-spill-";

/**
 * Where large encoded tasks go between worker processes: `CURATOR_SPILL_DIR`
 * when set, else `/dev/shm` (memory-backed) when it is there and writable,
 * else the system's temporary folder.
 */
export function spillBase(env: NodeJS.ProcessEnv = process.env): string {
	const chosen = env.CURATOR_SPILL_DIR;
	if (chosen !== undefined && chosen !== "") return chosen;
	try {
		accessSync("/dev/shm", constants.W_OK);
		if (statSync("/dev/shm").isDirectory()) return "/dev/shm";
	} catch {
		// No shared-memory folder here.
	}
	return tmpdir();
}

/**
 * One run's folder of spilled tasks. A worker process writes a large output
 * to a file there and replies with its path; the next worker reads the file.
 * Bytes then cross from process to process through memory-backed files
 * instead of through the IPC channel and this process, which is several
 * times faster for the hundreds of megabytes a document batch can weigh.
 * The folder is removed at the end of the run, whatever happens; folders
 * left by a process that was killed are removed by the next run.
 */
export class SpillDir {
	readonly path: string;

	private constructor(path: string) {
		this.path = path;
	}

	/** Creates a fresh folder under `base` (default {@link spillBase}), first removing stale ones. */
	static create(base = spillBase()): SpillDir {
		removeStale(base);
		const path = join(base, `${PREFIX}${process.pid}-${randomBytes(6).toString("hex")}`);
		mkdirSync(path, { recursive: true, mode: 0o700 });
		return new SpillDir(path);
	}

	/** Deletes the folder and everything in it. */
	async remove(): Promise<void> {
		await rm(this.path, { recursive: true, force: true });
	}
}

/** Deletes one spilled file, once the task it holds is done with; a missing file is fine. */
export async function releaseSpilled(file: string): Promise<void> {
	await unlink(file).catch(() => {});
}

/** Removes spill folders whose process is gone (it was killed before cleaning up). */
function removeStale(base: string): void {
	let names: string[];
	try {
		names = readdirSync(base);
	} catch {
		return;
	}
	for (const name of names) {
		if (!name.startsWith(PREFIX)) continue;
		const pid = Number(name.slice(PREFIX.length).split("-")[0]);
		if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
		rmSync(join(base, name), { recursive: true, force: true });
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: it exists but belongs to someone else.
		return (error as NodeJS.ErrnoException).code === "EPERM";
	}
}
