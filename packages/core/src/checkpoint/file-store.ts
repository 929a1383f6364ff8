import { CheckpointError } from "../errors.ts";
import { newRunId } from "../run-info.ts";
import type { CheckpointOpening, CheckpointStore, ResumeState } from "./store.ts";

const FORMAT = 1;
const STATE_FILE = "checkpoint.json";
const DONE_FILE = "done.log";

/** The header of a checkpoint folder. */
interface CheckpointHeader {
	format: number;
	runId: string;
	fingerprint: string;
	complete: boolean;
}

type Fs = typeof import("node:fs/promises");
type FileHandle = Awaited<ReturnType<Fs["open"]>>;

/**
 * A checkpoint in folder `dir`: `checkpoint.json` (format, run id, pipeline
 * fingerprint, whether the run finished), written to a temporary name,
 * flushed and renamed; and `done.log`, one settled partition id a line,
 * appended and flushed (`fdatasync`) before `markDone` resolves. A line cut
 * short by a crash is ignored. Node's file system is loaded only when a run
 * opens it, so workers never load it.
 */
export function fileCheckpoint(dir: string): CheckpointStore {
	return new FileCheckpoint(dir);
}

class FileCheckpoint implements CheckpointStore {
	readonly location: string;
	#fs: Fs | undefined;
	#join: ((...parts: string[]) => string) | undefined;
	#header: CheckpointHeader | undefined;
	#log: FileHandle | undefined;
	#writes: Promise<void> = Promise.resolve();

	constructor(dir: string) {
		this.location = dir;
	}

	async open({ fingerprint, runId, restart }: CheckpointOpening): Promise<ResumeState> {
		const fs = await this.#load();
		await this.#io("create the folder", () => fs.mkdir(this.location, { recursive: true }));
		const found = restart ? undefined : await this.#readHeader();
		if (found !== undefined) {
			this.#refuse(found, fingerprint, runId);
			const done = await this.#readDone();
			this.#header = found;
			this.#log = await this.#io("open done.log", () => fs.open(this.#path(DONE_FILE), "a"));
			return { runId: found.runId, done, resumed: true };
		}
		const header = { format: FORMAT, runId: runId ?? newRunId(), fingerprint, complete: false };
		await this.#io("clear done.log", () => fs.rm(this.#path(DONE_FILE), { force: true }));
		await this.#writeHeader(header);
		this.#header = header;
		this.#log = await this.#io("open done.log", () => fs.open(this.#path(DONE_FILE), "a"));
		return { runId: header.runId, done: new Set(), resumed: false };
	}

	markDone(partitions: readonly string[]): Promise<void> {
		if (partitions.length === 0) return this.#writes;
		const log = this.#log;
		if (log === undefined) throw new CheckpointError(this.location, "markDone before open");
		const lines = `${partitions.join("\n")}\n`;
		this.#writes = this.#writes.then(() =>
			this.#io("append to done.log", async () => {
				await log.appendFile(lines);
				await log.datasync();
			}),
		);
		return this.#writes;
	}

	async complete(): Promise<void> {
		await this.#writes;
		const header = this.#header;
		if (header === undefined) throw new CheckpointError(this.location, "complete before open");
		await this.#writeHeader({ ...header, complete: true });
	}

	async close(): Promise<void> {
		await this.#writes.catch(() => {});
		await this.#log?.close();
		this.#log = undefined;
	}

	#refuse(found: CheckpointHeader, fingerprint: string, runId: string | undefined): void {
		const start = "pass restart: true (curator run --restart) to start over";
		if (found.complete) {
			throw new CheckpointError(
				this.location,
				`run ${found.runId} of this checkpoint finished and committed its output; nothing is left to resume (${start})`,
			);
		}
		if (found.fingerprint !== fingerprint) {
			throw new CheckpointError(
				this.location,
				`the pipeline changed since run ${found.runId} wrote this checkpoint (its stages, their classes or their options differ); resuming would mix two pipelines' output (${start})`,
			);
		}
		if (runId !== undefined && runId !== found.runId) {
			throw new CheckpointError(
				this.location,
				`the checkpoint belongs to run ${found.runId}, not ${runId}: resume without a run id, or ${start}`,
			);
		}
	}

	async #readHeader(): Promise<CheckpointHeader | undefined> {
		const fs = this.#fs as Fs;
		let text: string;
		try {
			text = await fs.readFile(this.#path(STATE_FILE), "utf8");
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
			throw new CheckpointError(this.location, `cannot read ${STATE_FILE}`, error);
		}
		const header = parseHeader(text);
		if (header === undefined) {
			throw new CheckpointError(
				this.location,
				`${STATE_FILE} is not a checkpoint of format ${FORMAT}; choose another folder, or restart`,
			);
		}
		return header;
	}

	async #readDone(): Promise<Set<string>> {
		const fs = this.#fs as Fs;
		const text = await this.#io("read done.log", () =>
			fs.readFile(this.#path(DONE_FILE), "utf8").catch((error: NodeJS.ErrnoException) => {
				if (error.code === "ENOENT") return "";
				throw error;
			}),
		);
		const lines = text.split("\n");
		// The last entry is "" after a complete line, or a line a crash cut short: either way not a record.
		lines.pop();
		return new Set(lines.filter((line) => line.length > 0));
	}

	async #writeHeader(header: CheckpointHeader): Promise<void> {
		const fs = this.#fs as Fs;
		const target = this.#path(STATE_FILE);
		const temp = this.#path(`.${STATE_FILE}.tmp`);
		await this.#io(`write ${STATE_FILE}`, async () => {
			const file = await fs.open(temp, "w");
			try {
				await file.writeFile(`${JSON.stringify(header, null, 2)}\n`);
				await file.sync();
			} finally {
				await file.close();
			}
			await fs.rename(temp, target);
			await syncFolder(fs, this.location);
		});
	}

	async #load(): Promise<Fs> {
		this.#fs ??= await import("node:fs/promises");
		this.#join ??= (await import("node:path")).join;
		return this.#fs;
	}

	#path(name: string): string {
		return (this.#join as (...parts: string[]) => string)(this.location, name);
	}

	async #io<T>(what: string, work: () => Promise<T>): Promise<T> {
		try {
			return await work();
		} catch (error) {
			if (error instanceof CheckpointError) throw error;
			throw new CheckpointError(this.location, `cannot ${what}`, error);
		}
	}
}

function parseHeader(text: string): CheckpointHeader | undefined {
	try {
		const value = JSON.parse(text) as Partial<CheckpointHeader>;
		if (value.format !== FORMAT) return undefined;
		if (typeof value.runId !== "string" || typeof value.fingerprint !== "string") return undefined;
		return {
			format: FORMAT,
			runId: value.runId,
			fingerprint: value.fingerprint,
			complete: value.complete === true,
		};
	} catch {
		return undefined;
	}
}

async function syncFolder(fs: Fs, dir: string): Promise<void> {
	let handle: FileHandle | undefined;
	try {
		handle = await fs.open(dir, "r");
		await handle.sync();
	} catch {
		// A platform that cannot sync a folder (Windows) journals its renames.
	} finally {
		await handle?.close();
	}
}
