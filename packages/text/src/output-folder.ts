import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OutputFolderError } from "./errors.ts";

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
