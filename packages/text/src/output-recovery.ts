import { readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { discardStaging, exists, syncFolder, writeDurably } from "./output-commit.ts";
import {
	PUBLISH_JOURNAL,
	type PublishJournal,
	readOutputManifest,
	SUCCESS_FILE,
	stagingFolder,
} from "./output-layout.ts";

/** What {@link recoverCommit} found of run `runId`'s commit. */
export type CommitRecovery =
	/** The run published its output (`_SUCCESS` names it): nothing is left to write. */
	| "committed"
	/** Its commit was cut short and is undone: the run goes on as if it had not begun it. */
	| "undone"
	/** It never began its commit. */
	| "none";

/**
 * Before a resumed run (same run id) checks its output folder: finds out
 * whether the run it resumes was killed in or after its commit, and brings
 * the folder back to a state it can go on from.
 * - `_SUCCESS` names `runId`: the run published everything and was killed
 *   before its checkpoint recorded the end; its leftover staging is removed
 *   and the sink must write nothing more (`"committed"`).
 * - its staging holds a publish journal (see `commitOutput`): the files
 *   already moved to their final names are moved back into the staging, a
 *   previous manifest the commit removed (`append`) is written back, and the
 *   journal removed (`"undone"`); the run then commits again.
 */
export async function recoverCommit(folder: string, runId: string): Promise<CommitRecovery> {
	const staging = stagingFolder(folder, runId);
	if ((await publishedRunId(folder)) === runId) {
		await discardStaging(folder, runId);
		return "committed";
	}
	const journal = await readJournal(join(staging, PUBLISH_JOURNAL));
	if (journal === undefined) return "none";
	for (const file of journal.files) {
		const target = join(folder, file.name);
		const staged = join(staging, file.staged);
		if (!(await exists(staged)) && (await exists(target))) await rename(target, staged);
	}
	await syncFolder(staging);
	const success = join(folder, SUCCESS_FILE);
	if (journal.previous !== null && !(await exists(success))) {
		await writeDurably(success, `${JSON.stringify(journal.previous, null, "\t")}\n`);
	}
	await rm(join(staging, PUBLISH_JOURNAL), { force: true });
	await syncFolder(staging);
	return "undone";
}

/** The run id of the folder's manifest; `undefined` without one (or one this version cannot read). */
async function publishedRunId(folder: string): Promise<string | undefined> {
	try {
		return (await readOutputManifest(folder))?.runId;
	} catch {
		return undefined;
	}
}

async function readJournal(path: string): Promise<PublishJournal | undefined> {
	let text: string;
	try {
		text = await readFile(path, "utf8");
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
		throw error;
	}
	// Written through a temp file and a rename: a journal that exists is whole.
	return JSON.parse(text) as PublishJournal;
}
