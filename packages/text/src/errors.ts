import { CuratorError, ErrorCodes } from "@curator/core";

/** An input path does not exist, or names no file of the expected kind. */
export class InputNotFoundError extends CuratorError {
	/** The path that was asked for. */
	readonly path: string;

	constructor(path: string, message: string) {
		super(ErrorCodes.invalidStage, message);
		this.path = path;
	}
}

/** A record of an input file cannot be read (bad JSON, not an object, missing text). */
export class MalformedRecordError extends CuratorError {
	/** File the record is in. */
	readonly file: string;
	/** 1-based line number of the record. */
	readonly line: number;

	constructor(file: string, line: number, reason: string) {
		super(ErrorCodes.invalidTask, `malformed JSONL in ${file} at line ${line}: ${reason}`);
		this.file = file;
		this.line = line;
	}
}

/** An input file cannot be read: missing, unreadable, or a corrupt or truncated `.gz`. */
export class InputReadError extends CuratorError {
	/** The file being read. */
	readonly file: string;
	/** 1-based number of the line being read when reading failed. */
	readonly line: number;

	constructor(file: string, line: number, cause: unknown) {
		super(ErrorCodes.invalidTask, `cannot read ${file} at line ${line}: ${reasonOf(cause)}`, {
			cause,
		});
		this.file = file;
		this.line = line;
	}
}

/** An output folder cannot be created or written (found by a sink's pre-flight check). */
export class OutputFolderError extends CuratorError {
	/** The folder. */
	readonly folder: string;
	/** The stage option it came from, e.g. `JsonlWriter option "path"`. */
	readonly option: string;

	constructor(folder: string, option: string, problem: string, cause: unknown, reason?: string) {
		const detail = reason ?? (cause instanceof Error ? cause.message : String(cause));
		super(ErrorCodes.invalidStage, `${option}: output folder ${folder} ${problem}: ${detail}`, {
			cause,
		});
		this.folder = folder;
		this.option = option;
	}
}

/**
 * An output folder already holds output, and the sink's mode refuses it
 * (found by the sink's pre-flight check, before any stage runs).
 */
export class OutputExistsError extends CuratorError {
	/** The folder. */
	readonly folder: string;
	/** The stage option it came from, e.g. `JsonlWriter option "path"`. */
	readonly option: string;

	constructor(folder: string, option: string, message: string) {
		super(ErrorCodes.outputExists, `${option}: output folder ${folder} ${message}`);
		this.folder = folder;
		this.option = option;
	}
}

function reasonOf(cause: unknown): string {
	const message = cause instanceof Error ? cause.message : String(cause);
	const code = (cause as { code?: unknown } | null)?.code;
	// zlib's own words ("unexpected end of file") do not say that the file is the problem.
	const zlib = typeof code === "string" && code.startsWith("Z_");
	return zlib ? `${message} (corrupt or truncated gzip data)` : message;
}
