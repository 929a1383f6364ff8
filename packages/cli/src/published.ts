import { isAbsolute, relative } from "node:path";
import type { RunOutput } from "@curator/runtime/render";
import { readOutputManifest } from "@curator/text";

/**
 * What run `runId` published in `folder`, from the folder's manifest, for
 * the summary's headline; `undefined` when it published nothing there (no
 * manifest, or one of another run: a pipeline without a file sink, mode
 * `ignore`). The folder is named relative to `cwd` when below it.
 */
export async function publishedOutput(
	folder: string,
	runId: string,
	cwd: string,
): Promise<RunOutput | undefined> {
	let manifest: Awaited<ReturnType<typeof readOutputManifest>>;
	try {
		manifest = await readOutputManifest(folder);
	} catch {
		return undefined;
	}
	const run = manifest?.runs.find((entry) => entry.runId === runId);
	if (run === undefined) return undefined;
	return { folder: displayPath(folder, cwd), rows: run.rows, files: run.files };
}

/** `./out` for a folder below `cwd`, the absolute path otherwise. */
function displayPath(folder: string, cwd: string): string {
	const path = relative(cwd, folder);
	if (path === "") return ".";
	return path.startsWith("..") || isAbsolute(path) ? folder : `./${path}`;
}
