import { createHash } from "node:crypto";
import { registerModule, Task } from "@curator/core";

/**
 * A group of files to read (or that were written). Its content id, used as
 * task id when it leaves a source stage, is a hash of its sorted paths, so
 * the same files give the same id on every run and every backend.
 */
export class FileGroupTask extends Task<string[]> {
	/** Number of files. */
	override get numItems(): number {
		return this.data.length;
	}

	/** Every entry is a non-empty string. */
	override validate(): boolean {
		return this.data.every((path) => typeof path === "string" && path.length > 0);
	}

	/** `files-` and the first 16 hex digits of the SHA-256 of the sorted paths. */
	override deterministicId(): string {
		return fileGroupId(this.data);
	}
}

registerModule(import.meta.url, { FileGroupTask });

/** The id {@link FileGroupTask.deterministicId} gives to `paths`. */
export function fileGroupId(paths: readonly string[]): string {
	const digest = createHash("sha256")
		.update([...paths].sort().join("\n"))
		.digest("hex");
	return `files-${digest.slice(0, 16)}`;
}
