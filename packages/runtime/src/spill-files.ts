import { dirname } from "node:path";
import { threadId } from "node:worker_threads";
import { SpillError } from "./spill-error.ts";

/*
 * Spill files are rare next to worker starts: the file system and the names
 * are set up without loading node:crypto or node:fs/promises at start (each
 * adds milliseconds to every worker's start).
 */
const spillPrefix = `${process.pid}-${threadId}-${Math.random().toString(36).slice(2, 10)}`;
let spilled = 0;

/** A name no other worker of the run uses (process, thread, a random tag, a counter). */
export function spillFileName(): string {
	spilled += 1;
	return `${spillPrefix}-${spilled}.task`;
}

/** A failed write (`ENOSPC` when the folder is full) is the spill folder's fault, not the stage's. */
export async function writeSpilled(file: string, bytes: Uint8Array): Promise<void> {
	const { writeFile } = await import("node:fs/promises");
	try {
		await writeFile(file, bytes);
	} catch (error) {
		const { unlink } = await import("node:fs/promises");
		await unlink(file).catch(() => {});
		throw SpillError.of(dirname(file), `cannot write ${bytes.byteLength} bytes`, error);
	}
}

export async function readSpilled(file: string): Promise<Uint8Array> {
	const { readFile } = await import("node:fs/promises");
	try {
		return await readFile(file);
	} catch (error) {
		throw SpillError.of(dirname(file), "cannot read a spilled task", error);
	}
}
