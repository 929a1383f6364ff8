import { randomBytes } from "node:crypto";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OutputExistsError, OutputFolderError } from "./errors.ts";
import {
	isOutputEntry,
	type OutputMode,
	readOutputManifest,
	STAGING_FOLDER,
	SUCCESS_FILE,
} from "./output-layout.ts";

/**
 * Creates `folder` when missing and checks that a file can be written in it
 * (a probe file, removed again), so an unusable output folder fails before
 * a run starts, with the system's own cause (`EACCES`, `ENOTDIR`, `EROFS`,
 * ...). `option` names where the folder came from, e.g. `JsonlWriter option "path"`.
 */
export async function assertWritableFolder(folder: string, option: string): Promise<void> {
	try {
		await mkdir(folder, { recursive: true });
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		// mkdir's EEXIST ("file already exists") hides that the path is a file, not a folder.
		const reason = code === "EEXIST" ? "it exists and is not a folder" : undefined;
		throw new OutputFolderError(folder, option, "cannot be created", error, reason);
	}
	const probe = join(folder, `.curator-probe-${randomBytes(6).toString("hex")}`);
	try {
		await writeFile(probe, "");
	} catch (error) {
		throw new OutputFolderError(folder, option, "is not writable", error);
	}
	await rm(probe, { force: true });
}

/** Where a file sink's folder and mode come from, for messages. */
export interface OutputOptionNames {
	/** The folder option, e.g. `JsonlWriter option "path"`. */
	path: string;
	/** The mode option, e.g. `JsonlWriter option "mode"`. */
	mode: string;
}

/**
 * A file sink's pre-flight check: makes sure `folder` can be written
 * ({@link assertWritableFolder}), then applies `mode` to what it holds.
 * Resolves `"skip"` when the sink must write nothing (`ignore` on a used
 * folder), `"write"` otherwise; throws {@link OutputExistsError} when the
 * mode refuses the folder: `error` on any entry, `overwrite` on an entry no
 * file sink made (it never deletes other files), `append` on a folder that
 * is neither empty nor a finished output.
 */
export async function prepareOutputFolder(
	folder: string,
	mode: OutputMode,
	extension: string,
	names: OutputOptionNames,
	resumedRunId?: string,
): Promise<"write" | "skip"> {
	await assertWritableFolder(folder, names.path);
	const entries = await entriesBefore(folder, resumedRunId);
	if (entries.length === 0) return "write";
	const refuse = (message: string): never => {
		throw new OutputExistsError(folder, names.path, message);
	};
	switch (mode) {
		case "ignore":
			return "skip";
		case "error":
			return refuse(
				`is not empty (holds ${listed(entries)}); ${names.mode} is "error", which refuses a used folder: choose an empty folder, or set ${names.mode} (curator run: --mode) to "overwrite" (replace the old output when this run succeeds), "append" (add this run's files) or "ignore" (write nothing)`,
			);
		case "overwrite": {
			const foreign = entries.filter((name) => !isOutputEntry(name, extension));
			if (foreign.length === 0) return "write";
			return refuse(
				`holds ${listed(foreign)}, which no file sink wrote; "overwrite" replaces only a sink's output and never deletes other files: move them away or choose another folder`,
			);
		}
		case "append":
			return checkAppendable(folder, entries, refuse);
	}
}

/**
 * The folder's entries, sorted; for a resumed run, as they were before the
 * run it resumes: its own staging (`_temporary/<runId>`) does not count.
 */
async function entriesBefore(folder: string, resumedRunId: string | undefined): Promise<string[]> {
	const entries = (await readdir(folder)).sort();
	if (resumedRunId === undefined || !entries.includes(STAGING_FOLDER)) return entries;
	const staged = await readdir(join(folder, STAGING_FOLDER));
	const others = staged.filter((name) => name !== resumedRunId);
	return others.length > 0 ? entries : entries.filter((name) => name !== STAGING_FOLDER);
}

async function checkAppendable(
	folder: string,
	entries: readonly string[],
	refuse: (message: string) => never,
): Promise<"write"> {
	let manifest: Awaited<ReturnType<typeof readOutputManifest>>;
	try {
		manifest = await readOutputManifest(folder);
	} catch (error) {
		return refuse(`cannot be appended to: ${(error as Error).message}`);
	}
	if (manifest !== undefined || entries.every((name) => name === STAGING_FOLDER)) return "write";
	return refuse(
		`holds ${listed(entries)} but no ${SUCCESS_FILE}: an unfinished run or not a sink's output; "append" needs an empty folder or a finished output: use "overwrite" or another folder`,
	);
}

function listed(names: readonly string[]): string {
	const shown = names.slice(0, 3).join(", ");
	return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}
