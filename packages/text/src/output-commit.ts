import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { compareTaskIds, type PipelineDescription } from "@curator/core";
import {
	compareOutputNames,
	isOutputEntry,
	MANIFEST_FORMAT,
	type ManifestFile,
	nextPartNumber,
	type OutputManifest,
	type OutputMode,
	PUBLISH_JOURNAL,
	type PublishJournal,
	parseStagedName,
	partNames,
	readOutputManifest,
	STAGING_FOLDER,
	SUCCESS_FILE,
	stagedName,
	stagingFolder,
} from "./output-layout.ts";

/**
 * Writes the file of task `taskId` of run `runId` into the run's staging
 * folder, under its staged name (see `stagedName`): written to a hidden
 * temp file, flushed to disk, then renamed, so a staged name always holds
 * a whole file. Resolves to the staged path.
 */
export async function stageFile(
	folder: string,
	runId: string,
	taskId: string,
	body: string,
	rows: number,
	flush = true,
): Promise<string> {
	const staging = stagingFolder(folder, runId);
	await mkdir(staging, { recursive: true });
	const path = join(staging, stagedName(taskId, rows));
	await writeDurably(path, body, flush);
	return path;
}

/** What {@link commitOutput} needs to know about the run and the sink. */
export interface OutputCommit {
	folder: string;
	runId: string;
	mode: Exclude<OutputMode, "ignore">;
	/**
	 * The data files' extension, e.g. `.jsonl`: their final names end in it,
	 * and `overwrite` removes old files by it.
	 */
	extension: string;
	pipeline: PipelineDescription;
	/**
	 * Whether every staged file was flushed to disk when it was staged (a
	 * run with a checkpoint does, before recording its partition). If not,
	 * the commit flushes them all first, many at a time, which costs far
	 * less than one flush per file while the run writes.
	 */
	flushed?: boolean;
}

/**
 * Publishes run `runId`'s staged files: names them `part-00000<extension>`,
 * `part-00001<extension>`, ... in the task-id order of core's
 * `compareTaskIds` (with `append`, numbered on from the folder's highest
 * part number, so no older file is met), first writes, in its staging, the
 * journal of what it is about to do (see `recoverCommit`), then removes
 * `_SUCCESS` (the folder is changing), with `overwrite` removes the previous
 * output's files, renames each staged file to its final name (`error` and
 * `append` never replace an existing file), syncs the folder, writes the
 * manifest (each file with the task id it was written for) to `_SUCCESS`
 * atomically, and only then removes the run's staging (with `overwrite`,
 * every run's). A commit cut short leaves its journal; a resumed run undoes
 * the commit from it and does it again. With `append` the manifest adds
 * this run's files to the previous manifest's. Resolves to the manifest written.
 */
export async function commitOutput(commit: OutputCommit): Promise<OutputManifest> {
	const { folder, runId, mode } = commit;
	const staging = stagingFolder(folder, runId);
	const staged = await listStaged(staging);
	if (commit.flushed !== true) await flushAll(staged.map((file) => file.path));
	const previous = mode === "append" ? await readOutputManifest(folder) : undefined;
	const first = mode === "append" ? await nextPartNumber(folder) : 0;
	const names = partNames(first, staged.length, commit.extension);
	await writeJournal(staging, staged, names, previous);
	await rm(join(folder, SUCCESS_FILE), { force: true });
	if (mode === "overwrite") await removeOutput(folder, commit.extension);
	const files: ManifestFile[] = [];
	for (const [i, file] of staged.entries()) {
		const name = names[i] as string;
		const target = join(folder, name);
		if (mode !== "overwrite" && (await exists(target))) {
			throw new Error(`${target} already exists; mode "${mode}" never replaces a file`);
		}
		const { size } = await stat(file.path);
		await rename(file.path, target);
		files.push({ name, taskId: file.taskId, rows: file.rows, bytes: size, runId });
	}
	await syncFolder(folder);
	const manifest = manifestOf(previous, files, commit);
	await writeDurably(join(folder, SUCCESS_FILE), `${JSON.stringify(manifest, null, "\t")}\n`);
	if (mode === "overwrite")
		await rm(join(folder, STAGING_FOLDER), { recursive: true, force: true });
	else await discardStaging(folder, runId);
	return manifest;
}

/** What a commit about to change the folder records first, in the run's staging. */
async function writeJournal(
	staging: string,
	staged: readonly StagedFile[],
	names: readonly string[],
	previous: OutputManifest | undefined,
): Promise<void> {
	const journal: PublishJournal = {
		files: staged.map((file, i) => ({ name: names[i] as string, staged: basename(file.path) })),
		previous: previous ?? null,
	};
	await mkdir(staging, { recursive: true });
	await writeDurably(join(staging, PUBLISH_JOURNAL), JSON.stringify(journal));
}

/** Removes run `runId`'s staging folder, and `_temporary` when no other run's is left. */
export async function discardStaging(folder: string, runId: string): Promise<void> {
	await rm(stagingFolder(folder, runId), { recursive: true, force: true });
	try {
		await rmdir(join(folder, STAGING_FOLDER));
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code !== "ENOENT" && code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
	}
}

/**
 * Before a resumed run (same run id): keeps in run `runId`'s staging only
 * the files `keep` accepts by task id (those of partitions the interrupted
 * run settled, which this run skips) and removes the rest (and any
 * temporary file a crash left), which this run writes again.
 */
export async function pruneStaging(
	folder: string,
	runId: string,
	keep: (taskId: string) => boolean,
): Promise<{ kept: number; removed: number }> {
	const staging = stagingFolder(folder, runId);
	let entries: string[];
	try {
		entries = await readdir(staging);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kept: 0, removed: 0 };
		throw error;
	}
	let kept = 0;
	for (const entry of entries) {
		const staged = parseStagedName(entry);
		if (staged !== undefined && keep(staged.taskId)) {
			kept += 1;
			continue;
		}
		await rm(join(staging, entry), { recursive: true, force: true });
	}
	return { kept, removed: entries.length - kept };
}

interface StagedFile {
	path: string;
	taskId: string;
	rows: number;
}

/**
 * The staged files of a staging folder, in task-id order (core's
 * `compareTaskIds`); temp files of dead writes are left out.
 */
async function listStaged(staging: string): Promise<StagedFile[]> {
	let entries: string[];
	try {
		entries = await readdir(staging);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
		throw error;
	}
	const byTask = new Map<string, StagedFile>();
	for (const entry of entries.sort()) {
		const parsed = parseStagedName(entry);
		if (parsed === undefined) continue;
		const other = byTask.get(parsed.taskId);
		if (other !== undefined) {
			// Two writes of one task disagree on its rows: a stage is not deterministic.
			throw new Error(
				`two staged versions of task ${parsed.taskId}: ${basename(other.path)}, ${entry}`,
			);
		}
		byTask.set(parsed.taskId, { path: join(staging, entry), ...parsed });
	}
	return [...byTask.values()].sort((a, b) => compareTaskIds(a.taskId, b.taskId));
}

/** Removes a previous output's files (`_SUCCESS` is gone already; the staging goes after publishing). */
async function removeOutput(folder: string, extension: string): Promise<void> {
	for (const name of await readdir(folder)) {
		if (name !== STAGING_FOLDER && isOutputEntry(name, extension)) {
			await rm(join(folder, name), { recursive: true, force: true });
		}
	}
}

function manifestOf(
	previous: OutputManifest | undefined,
	added: ManifestFile[],
	commit: OutputCommit,
): OutputManifest {
	const files = [...(previous?.files ?? []), ...added].sort((a, b) =>
		compareOutputNames(a.name, b.name),
	);
	const run = {
		runId: commit.runId,
		mode: commit.mode,
		committedAt: new Date().toISOString(),
		pipeline: commit.pipeline,
		files: added.length,
		rows: sum(added, "rows"),
		bytes: sum(added, "bytes"),
	};
	return {
		format: MANIFEST_FORMAT,
		runId: commit.runId,
		files,
		rows: sum(files, "rows"),
		bytes: sum(files, "bytes"),
		runs: [...(previous?.runs ?? []), run],
	};
}

function sum(files: readonly ManifestFile[], key: "rows" | "bytes"): number {
	return files.reduce((total, file) => total + file[key], 0);
}

/** Writes `path` through a hidden temp file, flushed before the rename, then syncs the folder. */
export async function writeDurably(path: string, body: string, flush = true): Promise<void> {
	const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
	try {
		const handle = await open(temp, "w");
		try {
			await handle.writeFile(body);
			if (flush) await handle.sync();
		} finally {
			await handle.close();
		}
		await rename(temp, path);
	} catch (error) {
		await rm(temp, { force: true });
		throw error;
	}
	if (flush) await syncFolder(dirname(path));
}

/** Flushes `paths` to disk, 32 at a time: the file system commits concurrent flushes together. */
async function flushAll(paths: readonly string[]): Promise<void> {
	for (let start = 0; start < paths.length; start += 32) {
		await Promise.all(
			paths.slice(start, start + 32).map(async (path) => {
				const handle = await open(path, "r");
				try {
					await handle.sync();
				} finally {
					await handle.close();
				}
			}),
		);
	}
	if (paths.length > 0) await syncFolder(dirname(paths[0] as string));
}

/** Makes a folder's renames durable; a platform that cannot sync a folder is skipped. */
export async function syncFolder(folder: string): Promise<void> {
	let handle: Awaited<ReturnType<typeof open>> | undefined;
	try {
		handle = await open(folder, "r");
		await handle.sync();
	} catch {
		// Windows cannot open a folder for syncing; its renames are journaled.
	} finally {
		await handle?.close();
	}
}

/** Whether `path` exists. */
export async function exists(path: string): Promise<boolean> {
	try {
		await stat(path);
		return true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
		throw error;
	}
}
