import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import {
	CuratorError,
	ErrorCodes,
	ProcessingStage,
	registerModule,
	type StageSettings,
	type Task,
} from "@curator/core";
import { InputNotFoundError } from "./errors.ts";
import { FileGroupTask, type FileRef } from "./file-group.ts";
import { describeFile, type FileIdentity, fileIdentities } from "./file-identity.ts";

/** Options of {@link FilePartitioningStage}. */
export interface FilePartitioningOptions extends StageSettings {
	/** Files and folders to read; folders are searched recursively. */
	paths: string | readonly string[];
	/** File name endings to take from folders. Default `[".jsonl", ".jsonl.gz"]`. */
	extensions?: readonly string[];
	/** Files per group. Default 1 (unless `blocksizeBytes` is set). */
	filesPerPartition?: number;
	/** Size budget per group: files are added while the group stays within it (at least one file). */
	blocksizeBytes?: number;
	/**
	 * What identifies a file's content in the task ids: `"stat"` (default, size
	 * and mtime) or `"content"` (SHA-256 of the bytes; reads every file once more).
	 */
	identity?: FileIdentity;
}

/** Defaults of {@link FilePartitioningOptions}. */
export const partitioningDefaults = {
	extensions: [".jsonl", ".jsonl.gz"],
	identity: "stat",
} as const;

/**
 * Source stage: lists the input files and groups them into
 * {@link FileGroupTask}s by count or by size. Each input is a root: a folder
 * is searched recursively and its files are named by their path below it; an
 * input file is named by its name, below its folder. Files are sorted by
 * input (in the order given), then by that relative path, so grouping and
 * task ids do not depend on where the input is mounted nor on the order the
 * file system lists files in. A missing path or a folder without matching
 * files fails with {@link InputNotFoundError}.
 */
export class FilePartitioningStage extends ProcessingStage<Task, FileGroupTask> {
	/** Absolute paths (resolved where the stage was built, not in the worker). */
	paths: string[];
	extensions: string[];
	filesPerPartition: number | undefined;
	blocksizeBytes: number | undefined;
	identity: FileIdentity;

	constructor(options: FilePartitioningOptions) {
		super(options);
		const paths = typeof options.paths === "string" ? [options.paths] : [...options.paths];
		if (paths.length === 0) throw invalid("paths must name at least one file or folder");
		this.paths = paths.map((path) => resolve(path));
		this.extensions = [...(options.extensions ?? partitioningDefaults.extensions)];
		this.filesPerPartition = positive("filesPerPartition", options.filesPerPartition);
		if (this.filesPerPartition !== undefined && !Number.isInteger(this.filesPerPartition)) {
			throw invalid("filesPerPartition must be a whole number");
		}
		this.blocksizeBytes = positive("blocksizeBytes", options.blocksizeBytes);
		if (this.filesPerPartition !== undefined && this.blocksizeBytes !== undefined) {
			throw invalid("set filesPerPartition or blocksizeBytes, not both");
		}
		this.identity = options.identity ?? partitioningDefaults.identity;
		if (!fileIdentities.includes(this.identity)) {
			throw invalid(`identity must be "stat" or "content", got ${String(options.identity)}`);
		}
	}

	override async process(task: Task): Promise<FileGroupTask[]> {
		const files = await this.listFiles();
		return this.group(files).map(
			(group) =>
				new FileGroupTask({
					datasetName: task.datasetName === "empty" ? "files" : task.datasetName,
					data: group,
					metadata: { totalBytes: group.reduce((sum, file) => sum + file.size, 0) },
				}),
		);
	}

	/** The matching files, by input and then by relative path. */
	async listFiles(): Promise<FileRef[]> {
		const found: FileRef[] = [];
		for (const [input, path] of this.paths.entries()) {
			const stats = await stat(path).catch(() => undefined);
			if (stats === undefined) {
				throw new InputNotFoundError(path, `input path does not exist: ${path}`);
			}
			if (stats.isFile()) {
				const options = { input, identity: this.identity, stats };
				found.push(await describeFile(dirname(path), basename(path), options));
				continue;
			}
			const inFolder = await walk(path, input, this);
			if (inFolder.length === 0) {
				throw new InputNotFoundError(
					path,
					`no ${this.extensions.join(" or ")} files in folder ${path}`,
				);
			}
			found.push(...inFolder);
		}
		return found;
	}

	private group(files: FileRef[]): FileRef[][] {
		const groups: FileRef[][] = [];
		if (this.blocksizeBytes !== undefined) {
			let current: FileRef[] = [];
			let bytes = 0;
			for (const file of files) {
				if (current.length > 0 && bytes + file.size > this.blocksizeBytes) {
					groups.push(current);
					current = [];
					bytes = 0;
				}
				current.push(file);
				bytes += file.size;
			}
			if (current.length > 0) groups.push(current);
			return groups;
		}
		const per = this.filesPerPartition ?? 1;
		for (let i = 0; i < files.length; i += per) groups.push(files.slice(i, i + per));
		return groups;
	}
}

registerModule(import.meta.url, { FilePartitioningStage });

/**
 * The matching files below `folder`, sorted by relative path (`/` separators, so every platform
 * sorts alike). A module function, not a #private method: a stage rebuilt from prototype and
 * fields has no private brand.
 */
async function walk(
	folder: string,
	input: number,
	stage: FilePartitioningStage,
): Promise<FileRef[]> {
	const out: FileRef[] = [];
	const entries = await readdir(folder, { withFileTypes: true, recursive: true });
	for (const entry of entries) {
		if (!entry.isFile() || !stage.extensions.some((ext) => entry.name.endsWith(ext))) continue;
		const path = relative(folder, join(entry.parentPath, entry.name));
		out.push(await describeFile(folder, path, { input, identity: stage.identity }));
	}
	return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function positive(name: string, value: number | undefined): number | undefined {
	if (value === undefined) return undefined;
	if (!Number.isFinite(value) || value <= 0) throw invalid(`${name} must be a number > 0`);
	return value;
}

function invalid(message: string): CuratorError {
	return new CuratorError(ErrorCodes.invalidStage, `FilePartitioningStage: ${message}`);
}
