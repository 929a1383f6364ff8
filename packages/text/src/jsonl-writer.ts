import { registerModule } from "@curator/core";
import type { Column, DocumentBatch } from "./document-batch.ts";
import { type FileSinkOptions, FileSinkStage, type RenderedFile } from "./file-sink.ts";

/** Options of {@link JsonlWriter}. */
export interface JsonlWriterOptions extends FileSinkOptions {
	/** Columns to write, in this order; default every column. */
	fields?: readonly string[];
}

/**
 * Sink stage: writes each {@link DocumentBatch} to one file,
 * `<path>/part-00000.jsonl`, `part-00001.jsonl`, ... numbered in task-id
 * order (with mode `append`, numbered on after the folder's files); the
 * `_SUCCESS` manifest maps each name to its task id. Task ids are
 * deterministic, so a run writes the same files on every backend. Files
 * are staged under `<path>/_temporary/<runId>/` and get their final names
 * only when the whole run succeeded, followed by the manifest (see
 * {@link FileSinkStage}). Its pre-flight check creates the folder, checks
 * that it can be written and applies `mode` (default `error`: a used
 * folder is refused), before any stage starts. The run's output tasks are
 * `FileGroupTask`s naming the published files.
 */
export class JsonlWriter extends FileSinkStage<DocumentBatch> {
	fields: string[] | undefined;

	constructor(options: JsonlWriterOptions) {
		super(options);
		this.fields = options.fields === undefined ? undefined : [...options.fields];
	}

	protected override get extension(): string {
		return ".jsonl";
	}

	protected override render(batch: DocumentBatch): RenderedFile {
		return { body: serialize(batch, this.fields ?? batch.columnNames), rows: batch.numItems };
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
