import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
	CuratorError,
	ErrorCodes,
	ProcessingStage,
	registerModule,
	type StageSettings,
	type Task,
} from "@curator/core";
import { InputNotFoundError } from "./errors.ts";
import { FileGroupTask } from "./file-group.ts";

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
}

/** A file found by {@link FilePartitioningStage}. */
export interface FileEntry {
	path: string;
	size: number;
}

/** Defaults of {@link FilePartitioningOptions}. */
export const partitioningDefaults = {
	extensions: [".jsonl", ".jsonl.gz"],
} as const;

/**
 * Source stage: lists the input files (sorted, so every run sees the same
 * order) and groups them into {@link FileGroupTask}s by count or by size. A
 * missing path or a folder without matching files fails with
 * {@link InputNotFoundError}.
 */
export class FilePartitioningStage extends ProcessingStage<Task, FileGroupTask> {
	/** Absolute paths (resolved where the stage was built, not in the worker). */
	paths: string[];
	extensions: string[];
	filesPerPartition: number | undefined;
	blocksizeBytes: number | undefined;

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
	}

	override async process(task: Task): Promise<FileGroupTask[]> {
		const files = await this.listFiles();
		return this.group(files).map(
			(group) =>
				new FileGroupTask({
					datasetName: task.datasetName === "empty" ? "files" : task.datasetName,
					data: group.map((file) => file.path),
					metadata: { totalBytes: group.reduce((sum, file) => sum + file.size, 0) },
				}),
		);
	}

	/** The matching files with their sizes, in path order. */
	async listFiles(): Promise<FileEntry[]> {
		const found: FileEntry[] = [];
		for (const path of this.paths) {
			const info = await stat(path).catch(() => undefined);
			if (info === undefined) {
				throw new InputNotFoundError(path, `input path does not exist: ${path}`);
			}
			if (info.isFile()) {
				found.push({ path, size: info.size });
				continue;
			}
			const inFolder = await walk(path, this.extensions);
			if (inFolder.length === 0) {
				throw new InputNotFoundError(
					path,
					`no ${this.extensions.join(" or ")} files in folder ${path}`,
				);
			}
			found.push(...inFolder);
		}
		return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
	}

	private group(files: FileEntry[]): FileEntry[][] {
		const groups: FileEntry[][] = [];
		if (this.blocksizeBytes !== undefined) {
			let current: FileEntry[] = [];
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

// A module function, not a #private method: a stage rebuilt from prototype and fields has no
// private brand.
async function walk(folder: string, extensions: readonly string[]): Promise<FileEntry[]> {
	const out: FileEntry[] = [];
	const entries = await readdir(folder, { withFileTypes: true, recursive: true });
	for (const entry of entries) {
		if (!entry.isFile() || !extensions.some((ext) => entry.name.endsWith(ext))) continue;
		const path = join(entry.parentPath, entry.name);
		out.push({ path, size: (await stat(path)).size });
	}
	return out;
}

function positive(name: string, value: number | undefined): number | undefined {
	if (value === undefined) return undefined;
	if (!Number.isFinite(value) || value <= 0) throw invalid(`${name} must be a number > 0`);
	return value;
}

function invalid(message: string): CuratorError {
	return new CuratorError(ErrorCodes.invalidStage, `FilePartitioningStage: ${message}`);
}
