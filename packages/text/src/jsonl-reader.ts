import {
	CompositeStage,
	CuratorError,
	ErrorCodes,
	type ProcessingStage,
	registerModule,
	ProcessingStage as Stage,
	type StageIO,
	type StageSettings,
} from "@curator/core";
import { DocumentBatch, type DocumentColumns } from "./document-batch.ts";
import { MalformedRecordError } from "./errors.ts";
import { type FileGroupTask, filePath } from "./file-group.ts";
import { readLineChunks } from "./lines.ts";
import { type FilePartitioningOptions, FilePartitioningStage } from "./partitioning.ts";

/** What to do with a line that is not a JSON object with a string text field. */
export type OnMalformed = "raise" | "skip";

/** Options of {@link JsonlReaderStage}. */
export interface JsonlReaderOptions extends StageSettings {
	/** Field holding the document text; must be a string in every record. Default `"text"`. */
	textField?: string;
	/** Columns to keep (missing values become `null`); default every field seen. */
	fields?: readonly string[];
	/** `"raise"` (default): fail naming file and line. `"skip"`: drop the line, count it. */
	onError?: OnMalformed;
	/** Adds a column of this name holding each record's source file. */
	filenameField?: string;
	/**
	 * Most documents per output batch: a larger input gives several batches,
	 * in order (default: no limit, one batch per input task). Bounded batches
	 * keep each call's memory small and let large files spread over workers.
	 */
	rowsPerBatch?: number;
}

/** Defaults of {@link JsonlReaderOptions}. */
export const jsonlReaderDefaults = { textField: "text", onError: "raise" } as const;

/**
 * Reads the JSONL files of a {@link FileGroupTask} into one
 * {@link DocumentBatch}, streaming them line by line (`.jsonl.gz` is
 * decompressed on the fly). Blank lines are ignored, and so is a UTF-8 byte
 * order mark at the start of a file. A malformed line fails with
 * {@link MalformedRecordError} (file and line number), or with
 * `onError: "skip"` is dropped and counted in the `skippedLines` metric. A
 * file that cannot be read, or a corrupt or truncated `.gz`, fails with
 * `InputReadError` (file and line reached). Bytes that are not UTF-8
 * become U+FFFD: such lines are counted in the `invalidUtf8Lines` metric,
 * with one warning per worker on `stage.logger`.
 */
export class JsonlReaderStage extends Stage<FileGroupTask, DocumentBatch> {
	textField: string;
	fields: string[] | undefined;
	onError: OnMalformed;
	filenameField: string | undefined;
	rowsPerBatch: number;

	constructor(options: JsonlReaderOptions = {}) {
		super(options);
		this.textField = options.textField ?? jsonlReaderDefaults.textField;
		this.fields =
			options.fields === undefined ? undefined : [...new Set([this.textField, ...options.fields])];
		this.onError = options.onError ?? jsonlReaderDefaults.onError;
		if (this.onError !== "raise" && this.onError !== "skip") {
			throw new CuratorError(
				ErrorCodes.invalidStage,
				`JsonlReaderStage: onError must be "raise" or "skip", got ${String(this.onError)}`,
			);
		}
		this.filenameField = options.filenameField;
		this.rowsPerBatch = options.rowsPerBatch ?? Number.POSITIVE_INFINITY;
		if (
			!(this.rowsPerBatch >= 1) ||
			(Number.isFinite(this.rowsPerBatch) && !Number.isInteger(this.rowsPerBatch))
		) {
			throw new CuratorError(
				ErrorCodes.invalidStage,
				`JsonlReaderStage: rowsPerBatch must be a whole number >= 1, got ${String(options.rowsPerBatch)}`,
			);
		}
	}

	override outputs(): StageIO {
		return { data: [this.textField] };
	}

	override async process(task: FileGroupTask): Promise<DocumentBatch | DocumentBatch[] | null> {
		const batches: DocumentBatch[] = [];
		const files = task.data.map(filePath);
		const toBatch = (columns: DocumentColumns) =>
			new DocumentBatch({
				datasetName: task.datasetName,
				data: columns,
				metadata: { sourceFiles: [...files] },
			});
		let builder = new ColumnBuilder(this.fields);
		let records = 0;
		let skipped = 0;
		let invalidUtf8 = 0;
		for (const file of files) {
			for await (const { firstLine, lines, invalidUtf8: badLines } of readLineChunks(file)) {
				if (badLines.length > 0) {
					invalidUtf8 += badLines.length;
					warnInvalidUtf8Once(this, file, badLines[0] as number);
				}
				for (let i = 0; i < lines.length; i++) {
					const line = lines[i] as string;
					if (line.trim().length === 0) continue;
					const record = parseRecord(this, line, file, firstLine + i);
					if (record === undefined) {
						skipped += 1;
						continue;
					}
					if (this.filenameField !== undefined) record[this.filenameField] = file;
					builder.add(record);
					records += 1;
					if (builder.rows >= this.rowsPerBatch) {
						batches.push(toBatch(builder.build()));
						builder = new ColumnBuilder(this.fields);
					}
				}
			}
		}
		if (builder.rows > 0) batches.push(toBatch(builder.build()));
		this.logMetric("records", records);
		if (skipped > 0) this.logMetric("skippedLines", skipped);
		if (invalidUtf8 > 0) this.logMetric("invalidUtf8Lines", invalidUtf8);
		if (batches.length === 0) return null;
		return batches.length === 1 ? (batches[0] as DocumentBatch) : batches;
	}
}

/** Options of {@link JsonlReader}: partitioning options and reader options. */
export interface JsonlReaderCompositeOptions
	extends Omit<FilePartitioningOptions, keyof StageSettings>,
		Omit<JsonlReaderOptions, keyof StageSettings> {
	/** Name of the composite. */
	name?: string;
}

/**
 * Reads JSONL files or folders: {@link FilePartitioningStage} (the source,
 * task ids from the files' paths below their input and their identity)
 * followed by {@link JsonlReaderStage}.
 */
export class JsonlReader extends CompositeStage {
	options: JsonlReaderCompositeOptions;

	constructor(options: JsonlReaderCompositeOptions) {
		super(options.name === undefined ? {} : { name: options.name });
		this.options = { ...options };
	}

	override decompose(): ProcessingStage[] {
		const { paths, extensions, filesPerPartition, blocksizeBytes, identity, ...reader } =
			this.options;
		const partitioning: FilePartitioningOptions = { paths };
		if (extensions !== undefined) partitioning.extensions = extensions;
		if (identity !== undefined) partitioning.identity = identity;
		if (filesPerPartition !== undefined) partitioning.filesPerPartition = filesPerPartition;
		if (blocksizeBytes !== undefined) partitioning.blocksizeBytes = blocksizeBytes;
		const { name: _name, ...readerOptions } = reader;
		return [new FilePartitioningStage(partitioning), new JsonlReaderStage(readerOptions)];
	}
}

registerModule(import.meta.url, { JsonlReaderStage, JsonlReader });

// A module function, not a #private method: a stage rebuilt from prototype and fields has no
// private brand.
function parseRecord(
	stage: JsonlReaderStage,
	line: string,
	file: string,
	lineNumber: number,
): Record<string, unknown> | undefined {
	let reason: string;
	try {
		const value: unknown = JSON.parse(line);
		if (typeof value !== "object" || value === null || Array.isArray(value)) {
			reason = "expected a JSON object";
		} else if (typeof (value as Record<string, unknown>)[stage.textField] !== "string") {
			reason = `field "${stage.textField}" is missing or not a string`;
		} else {
			return value as Record<string, unknown>;
		}
	} catch (error) {
		reason = (error as Error).message;
	}
	if (stage.onError === "skip") return undefined;
	throw new MalformedRecordError(file, lineNumber, reason);
}

const warnedInvalidUtf8 = new WeakSet<JsonlReaderStage>();

/** One warning per stage instance, that is per worker (or per run in-process); the metric counts them all. */
function warnInvalidUtf8Once(stage: JsonlReaderStage, file: string, line: number): void {
	if (warnedInvalidUtf8.has(stage)) return;
	warnedInvalidUtf8.add(stage);
	stage.logger.warn(
		{ file, line },
		`${file} line ${line} is not valid UTF-8: its bad bytes were read as U+FFFD; such lines are counted in the invalidUtf8Lines metric (warned once per worker)`,
	);
}

/** Accumulates records into columns (first-seen key order, `null` where a record lacks a key). */
class ColumnBuilder {
	rows = 0;
	#columns = new Map<string, unknown[]>();
	#fixed: boolean;

	constructor(fields: readonly string[] | undefined) {
		this.#fixed = fields !== undefined;
		for (const field of fields ?? []) this.#columns.set(field, []);
	}

	add(record: Record<string, unknown>): void {
		if (!this.#fixed) {
			for (const key in record) {
				if (!this.#columns.has(key)) this.#columns.set(key, new Array(this.rows).fill(null));
			}
		}
		for (const [key, column] of this.#columns) {
			const value = record[key];
			column.push(value === undefined ? null : value);
		}
		this.rows += 1;
	}

	build(): DocumentColumns {
		const data: DocumentColumns = {};
		for (const [key, column] of this.#columns) data[key] = column;
		return data;
	}
}
