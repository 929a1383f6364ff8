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
