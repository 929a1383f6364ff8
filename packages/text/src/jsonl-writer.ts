import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
	CuratorError,
	ErrorCodes,
	ProcessingStage,
	registerModule,
	type StageSettings,
} from "@curator/core";
import type { Column, DocumentBatch } from "./document-batch.ts";
import { FileGroupTask } from "./file-group.ts";
import { describeFile } from "./file-identity.ts";
import { assertWritableFolder } from "./output-folder.ts";

/** Options of {@link JsonlWriter}. */
export interface JsonlWriterOptions extends StageSettings {
	/** Output folder (created when missing). */
	path: string;
	/** Columns to write, in this order; default every column. */
	fields?: readonly string[];
}

/**
 * Sink stage: writes each {@link DocumentBatch} to `<path>/<taskId>.jsonl`.
 * The name comes from the task id, which is deterministic, so a run writes
 * the same files on every backend and a re-run overwrites them. Each file is
 * written under a temporary name and renamed, so a reader never sees half a
 * file. Returns a {@link FileGroupTask} naming the written file (its root is
 * the output folder). Its pre-flight check creates the folder and writes a
 * probe file there, so an unusable folder fails the run before any stage
 * starts, with the real cause.
 */
export class JsonlWriter extends ProcessingStage<DocumentBatch, FileGroupTask> {
	/** Absolute output folder (resolved where the stage was built). */
	path: string;
	fields: string[] | undefined;

	constructor(options: JsonlWriterOptions) {
		super(options);
		if (typeof options.path !== "string" || options.path.length === 0) {
			throw new CuratorError(ErrorCodes.invalidStage, "JsonlWriter: path must be a folder path");
		}
		this.path = resolve(options.path);
		this.fields = options.fields === undefined ? undefined : [...options.fields];
	}

	/** Creates the output folder and checks that it can be written, before any stage runs. */
	override async preflight(): Promise<void> {
		await assertWritableFolder(this.path, 'JsonlWriter option "path"');
	}

	override async process(batch: DocumentBatch): Promise<FileGroupTask> {
		const name = `${safeName(batch.taskId)}.jsonl`;
		const file = join(this.path, name);
		const temp = join(
			this.path,
			`.${safeName(batch.taskId)}.${randomBytes(6).toString("hex")}.tmp`,
		);
		const body = serialize(batch, this.fields ?? batch.columnNames);
		await mkdir(this.path, { recursive: true });
		try {
			await writeFile(temp, body);
			await rename(temp, file);
		} catch (error) {
			await rm(temp, { force: true });
			throw error;
		}
		this.logMetric("rowsWritten", batch.numItems);
		this.logMetric("bytesWritten", Buffer.byteLength(body));
		return new FileGroupTask({
			datasetName: batch.datasetName,
			data: [await describeFile(this.path, name)],
			metadata: { rows: batch.numItems },
		});
	}
}

registerModule(import.meta.url, { JsonlWriter });

/** One JSON object per line, keys in `fields` order (`undefined` written as `null`). */
export function serialize(batch: DocumentBatch, fields: readonly string[]): string {
	const keys = fields.map((field, i) => `${i === 0 ? "{" : ","}${JSON.stringify(field)}:`);
	const columns = fields.map((field) => batch.column(field));
	const lines: string[] = [];
	const rows = batch.numItems;
	for (let row = 0; row < rows; row++) {
		let line = "";
		for (let c = 0; c < columns.length; c++) {
			const value = (columns[c] as Column)[row];
			line += keys[c] + (value === undefined ? "null" : JSON.stringify(value));
		}
		lines.push(columns.length === 0 ? "{}" : `${line}}`);
	}
	return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

function safeName(taskId: string): string {
	return taskId.length > 0 ? taskId.replace(/[^A-Za-z0-9._-]/g, "_") : "unnamed";
}
