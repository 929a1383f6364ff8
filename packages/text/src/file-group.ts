import { createHash } from "node:crypto";
import { join } from "node:path";
import { registerModule, Task } from "@curator/core";

/**
 * One file of a {@link FileGroupTask}: where to read it (`root` and `path`)
 * and what identifies it (`input`, `path`, and `size` with `mtime`, or
 * `sha256`). The root is not part of the identity, so the same files under
 * another mount point, after a `mv`, or on another machine keep their id.
 */
export interface FileRef {
	/**
	 * The folder `path` is relative to: the input folder it was found in, or
	 * the folder of an input file. Absolute, as seen where the group was
	 * listed; a process that sees the input elsewhere may change it.
	 */
	root: string;
	/** Path below `root`, with `/` separators on every platform. */
	path: string;
	/** Position, among the reader's inputs, of the input the file was found under. */
	input: number;
	/** Size in bytes. */
	size: number;
	/** Last modification, in whole seconds since the epoch. */
	mtime: number;
	/** Hex SHA-256 of the file's bytes, when listed with `identity: "content"`; then the id uses it instead of size and mtime. */
	sha256?: string;
}

/**
 * A group of files to read (or that were written). Its content id, used as
 * task id when it leaves a source stage, is made of the files' identities
 * (see {@link fileGroupId}), never their absolute paths: the same files give
 * the same id on every run and every backend, wherever the input is mounted.
 */
export class FileGroupTask extends Task<FileRef[]> {
	/** Number of files. */
	override get numItems(): number {
		return this.data.length;
	}

	/** Every entry has a root, a relative path, an input index, a size and an mtime. */
	override validate(): boolean {
		return this.data.every(isFileRef);
	}

	/** `files-` and 16 hex digits; see {@link fileGroupId}. */
	override deterministicId(): string {
		return fileGroupId(this.data);
	}

	/** The files' paths in this process (`root` joined with `path`), in group order. */
	paths(): string[] {
		return this.data.map(filePath);
	}
}

registerModule(import.meta.url, { FileGroupTask });

/** Where to read `file` in this process: its root joined with its relative path. */
export function filePath(file: FileRef): string {
	return join(file.root, ...file.path.split("/"));
}

/**
 * What identifies one file in a group id: its input index and relative path,
 * with its SHA-256 when it has one, else its size and mtime (whole seconds).
 */
export function fileKey(file: FileRef): string {
	const content = file.sha256 === undefined ? [file.size, file.mtime] : ["sha256", file.sha256];
	return JSON.stringify([file.input, file.path, ...content]);
}

/**
 * The id {@link FileGroupTask.deterministicId} gives to `files`: `files-` and
 * the first 16 hex digits of the SHA-256 of their sorted {@link fileKey}s, so
 * it does not depend on the order of the files nor on their roots.
 */
export function fileGroupId(files: readonly FileRef[]): string {
	const keys = files.map(fileKey).sort();
	return `files-${createHash("sha256").update(keys.join("\n")).digest("hex").slice(0, 16)}`;
}

function isFileRef(file: FileRef): boolean {
	return (
		typeof file === "object" &&
		file !== null &&
		typeof file.root === "string" &&
		file.root.length > 0 &&
		typeof file.path === "string" &&
		file.path.length > 0 &&
		Number.isInteger(file.input) &&
		Number.isFinite(file.size) &&
		Number.isFinite(file.mtime) &&
		(file.sha256 === undefined || typeof file.sha256 === "string")
	);
}
