import { createHash } from "node:crypto";
import { createReadStream, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { join, sep } from "node:path";
import type { FileRef } from "./file-group.ts";

/**
 * What tells a file's content apart in its task id. `"stat"`: size and
 * modification time (whole seconds), from the one stat listing does anyway;
 * kept by `mv`, a remount, `cp -p`, `rsync -a` and `tar`, changed by a plain
 * `cp`. `"content"`: the SHA-256 of the bytes, which survives any copy but
 * reads every input file once more while listing.
 */
export type FileIdentity = "stat" | "content";

/** The file identities, for validation. */
export const fileIdentities: readonly FileIdentity[] = ["stat", "content"];

/** Options of {@link describeFile}. */
export interface DescribeFileOptions {
	/** Position of the input the file was found under (default 0). */
	input?: number;
	/** Default `"stat"`. */
	identity?: FileIdentity;
	/** The file's stats when the caller has them already (saves a stat). */
	stats?: Stats;
}

/**
 * A {@link FileRef} for the file at `relativePath` (platform or `/`
 * separators) below `root`: one stat, and one read with identity `"content"`.
 */
export async function describeFile(
	root: string,
	relativePath: string,
	options: DescribeFileOptions = {},
): Promise<FileRef> {
	const path = sep === "/" ? relativePath : relativePath.split(sep).join("/");
	const absolute = join(root, ...path.split("/"));
	const stats = options.stats ?? (await stat(absolute));
	const file: FileRef = {
		root,
		path,
		input: options.input ?? 0,
		size: stats.size,
		// Whole seconds: a copy by tar, zip or some network file systems keeps no finer time.
		mtime: Math.floor(stats.mtimeMs / 1000),
	};
	if (options.identity === "content") file.sha256 = await sha256Of(absolute);
	return file;
}

/** Hex SHA-256 of a file's bytes, streamed. */
export async function sha256Of(path: string): Promise<string> {
	const hash = createHash("sha256");
	for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
	return hash.digest("hex");
}
