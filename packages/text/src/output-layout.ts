import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { PipelineDescription } from "@curator/core";

/**
 * What a file sink does with an output folder that already holds something:
 * `error` refuses it, `overwrite` replaces the previous output when the run
 * commits, `append` adds this run's files beside it, `ignore` writes nothing.
 */
export type OutputMode = "error" | "overwrite" | "append" | "ignore";

/** Every {@link OutputMode}. */
export const outputModes: readonly OutputMode[] = ["error", "overwrite", "append", "ignore"];

/** The marker and manifest of a finished output, written last. */
export const SUCCESS_FILE = "_SUCCESS";

/**
 * Where a run stages its files until it commits: `<folder>/_temporary/<runId>/`.
 * Readers of Spark and Hadoop outputs skip names starting with `_`.
 */
export const STAGING_FOLDER = "_temporary";

/**
 * The journal a commit writes in the run's staging before it changes the
 * output folder (see `commitOutput`); gone once `_SUCCESS` is written.
 */
export const PUBLISH_JOURNAL = "_publishing.json";

/** The content of {@link PUBLISH_JOURNAL}. */
export interface PublishJournal {
	/** Each file the commit moves: its final name and its name in the staging. */
	files: { name: string; staged: string }[];
	/** With `append`, the manifest the commit replaces (it removes `_SUCCESS` first). */
	previous: OutputManifest | null;
}

/** Format tag of the manifest. */
export const MANIFEST_FORMAT = "curator-output/1";

/** One data file of a finished output. */
export interface ManifestFile {
	/** Name in the output folder, e.g. `part-00000.jsonl` (see {@link partNames}). */
	name: string;
	/**
	 * The id of the task the file was written for (the sink's input task).
	 * Absent in entries an older version wrote, whose names were task ids.
	 */
	taskId?: string;
	rows: number;
	bytes: number;
	/** The run that wrote it. */
	runId: string;
}

/** One run that committed files to the folder. */
export interface ManifestRun {
	runId: string;
	mode: OutputMode;
	/** ISO time of the commit. */
	committedAt: string;
	pipeline: PipelineDescription;
	files: number;
	rows: number;
	bytes: number;
}

/**
 * The content of `_SUCCESS`: every data file of the folder with its rows and
 * bytes, their totals, and the runs that wrote them (one, except after
 * `append` runs, which add theirs to the previous ones).
 */
export interface OutputManifest {
	format: typeof MANIFEST_FORMAT;
	/** The run that committed last. */
	runId: string;
	files: ManifestFile[];
	rows: number;
	bytes: number;
	runs: ManifestRun[];
}

/** The staging folder of run `runId` in `folder`. */
export function stagingFolder(folder: string, runId: string): string {
	return join(folder, STAGING_FOLDER, runId);
}

const stagedPattern = /^(.*)~(\d+)\.staged$/;
const unsafe = /[^A-Za-z0-9._-]/gu;

/**
 * The staged name of the file written for task `taskId`: the task id (any
 * character but letters, digits, `.`, `_` and `-` percent-encoded, so the
 * name gives the id back exactly) and the row count, so a commit needs no
 * re-read and one rename publishes data and count together; it never ends
 * in a data extension, so no reader listing `*.jsonl` picks it up. Same
 * task, same name: a resumed run can keep it.
 */
export function stagedName(taskId: string, rows: number): string {
	const encoded = taskId.replace(unsafe, (char) =>
		[...Buffer.from(char, "utf8")]
			.map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`)
			.join(""),
	);
	return `${encoded}~${rows}.staged`;
}

/** The task id and rows of a staged name, or `undefined` for anything else (temp files). */
export function parseStagedName(staged: string): { taskId: string; rows: number } | undefined {
	const match = stagedPattern.exec(staged);
	if (match === null) return undefined;
	try {
		return { taskId: decodeURIComponent(match[1] as string), rows: Number(match[2]) };
	} catch {
		return undefined;
	}
}

/** The fewest digits of a part number. */
export const PART_DIGITS = 5;

const partPattern = /^part-(\d+)(?:\.|$)/;

/**
 * The final names of `count` files numbered from `first`:
 * `part-00000<extension>`, `part-00001<extension>`, ... Five digits, or as
 * many as the last number needs, for all of them, so that a run's names
 * sort as their numbers.
 */
export function partNames(first: number, count: number, extension: string): string[] {
	const width = Math.max(PART_DIGITS, String(Math.max(first + count - 1, 0)).length);
	return Array.from(
		{ length: count },
		(_, i) => `part-${String(first + i).padStart(width, "0")}${extension}`,
	);
}

/** The part number of a final name (`part-00012.jsonl`: 12), `undefined` for any other name. */
export function partNumber(name: string): number | undefined {
	const match = partPattern.exec(name);
	return match === null ? undefined : Number(match[1]);
}

/** The order of a manifest's files: part files by number (`part-99999` before `part-100000`), then other names by code units. */
export function compareOutputNames(a: string, b: string): number {
	const [p, q] = [partNumber(a), partNumber(b)];
	if (p !== undefined && q !== undefined && p !== q) return p - q;
	if ((p === undefined) !== (q === undefined)) return p === undefined ? 1 : -1;
	return a < b ? -1 : a > b ? 1 : 0;
}

/** One more than the highest part number among `folder`'s entries (0 when it has none). */
export async function nextPartNumber(folder: string): Promise<number> {
	let next = 0;
	for (const name of await readdir(folder)) {
		const part = partNumber(name);
		if (part !== undefined && part >= next) next = part + 1;
	}
	return next;
}

/**
 * The manifest of a finished output folder, or `undefined` when the folder
 * has no `_SUCCESS` (an unfinished run, or not an output of a Curator sink).
 * Throws when `_SUCCESS` is not a manifest this version can read.
 */
export async function readOutputManifest(folder: string): Promise<OutputManifest | undefined> {
	let text: string;
	try {
		text = await readFile(join(folder, SUCCESS_FILE), "utf8");
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
		throw error;
	}
	const manifest = parseJson(text) as Partial<OutputManifest> | undefined;
	if (manifest?.format !== MANIFEST_FORMAT || !Array.isArray(manifest.files)) {
		throw new Error(`${join(folder, SUCCESS_FILE)} is not a ${MANIFEST_FORMAT} manifest`);
	}
	return manifest as OutputManifest;
}

/**
 * Whether a top-level entry of an output folder is one a file sink writing
 * `extension` files makes: its data files, `_SUCCESS`, its staging folder,
 * or a hidden temp file an interrupted write left.
 */
export function isOutputEntry(name: string, extension: string): boolean {
	if (name === SUCCESS_FILE || name === STAGING_FOLDER) return true;
	if (name.startsWith(".") && name.endsWith(".tmp")) return true;
	return name.endsWith(extension) && !name.startsWith(".");
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
