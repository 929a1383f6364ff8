import { dirname, join } from "node:path";
import { threadId } from "node:worker_threads";
import { SpillError } from "./error.ts";

/*
 * Spill files are rare next to worker starts: the file system and the names
 * are set up without loading node:crypto or node:fs/promises at start (each
 * adds milliseconds to every worker's start).
 */
const spillPrefix = `${process.pid}-${threadId}-${Math.random().toString(36).slice(2, 10)}`;
let spilled = 0;

/** One encoded task (or batch) as a message carries it: its bytes, or the path of the spilled file holding them. */
export type Part = Uint8Array | string;

/**
 * The parts of a split reply, in order: each one as it is, or, with a spill
 * `folder`, written to a file of its own there and given as the file's path.
 * Each file is written while the next part is made (`parts` may be lazy);
 * resolves once every file is written, and fails with a {@link SpillError}
 * when one cannot be.
 */
export async function writeParts(
	parts: Iterable<Uint8Array>,
	folder: string | undefined,
): Promise<Part[]> {
	const written: Part[] = [];
	if (folder === undefined) {
		for (const bytes of parts) written.push(bytes);
		return written;
	}
	const writes: Promise<void>[] = [];
	for (const bytes of parts) {
		const file = join(folder, spillFileName());
		written.push(file);
		writes.push(writeSpilled(file, bytes));
	}
	await Promise.all(writes);
	return written;
}

/** A part's bytes: the part itself, or read from the spilled file it names ({@link SpillError} if it cannot be). */
export async function readPart(part: Part): Promise<Uint8Array> {
	return typeof part === "string" ? readSpilled(part) : part;
}

/** Deletes the spilled files among `parts`, once their tasks are done with; a missing file is fine. */
export async function releaseParts(parts: Iterable<Part>): Promise<void> {
	const files: string[] = [];
	for (const part of parts) if (typeof part === "string") files.push(part);
	if (files.length === 0) return;
	const { unlink } = await import("node:fs/promises");
	await Promise.all(files.map((file) => unlink(file).catch(() => {})));
}

/** A name no other worker of the run uses (process, thread, a random tag, a counter). */
function spillFileName(): string {
	spilled += 1;
	return `${spillPrefix}-${spilled}.task`;
}

/** A failed write (`ENOSPC` when the folder is full) is the spill folder's fault, not the stage's. */
async function writeSpilled(file: string, bytes: Uint8Array): Promise<void> {
	const { writeFile } = await import("node:fs/promises");
	try {
		await writeFile(file, bytes);
	} catch (error) {
		const { unlink } = await import("node:fs/promises");
		await unlink(file).catch(() => {});
		throw SpillError.of(dirname(file), `cannot write ${bytes.byteLength} bytes`, error);
	}
}

async function readSpilled(file: string): Promise<Uint8Array> {
	const { readFile } = await import("node:fs/promises");
	try {
		return await readFile(file);
	} catch (error) {
		throw SpillError.of(dirname(file), "cannot read a spilled task", error);
	}
}
