import { CuratorError, ErrorCodes, registerModule, Task, type TaskInit } from "@curator/core";
import {
	Bool,
	type DataType,
	Float64,
	Table,
	Utf8,
	type Vector,
	vectorFromArray,
} from "apache-arrow";

/** A numeric column stored compactly. */
export type NumericColumn = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array;

/** One column: plain values (strings, numbers, objects, `null`) or a typed array. */
export type Column = unknown[] | NumericColumn;

/** The data of a {@link DocumentBatch}: columns by name, all of the same length. */
export type DocumentColumns = Record<string, Column>;

/** A document as a row object. */
export type DocumentRow = Record<string, unknown>;

/** What a derived batch keeps from its parent. */
type BatchInit = Omit<TaskInit<DocumentColumns>, "data">;

/**
 * Documents in columnar form: `data` maps column names to arrays of equal
 * length (one entry per document). Columns are plain arrays or typed arrays
 * so a batch travels to workers as plain data; Arrow tables are made on
 * demand by {@link DocumentBatch.toArrow}, never stored.
 */
export class DocumentBatch extends Task<DocumentColumns> {
	/** Number of documents (rows). */
	override get numItems(): number {
		for (const name in this.data) return (this.data[name] as Column).length;
		return 0;
	}

	/** Column names in insertion order. */
	get columnNames(): string[] {
		return Object.keys(this.data);
	}

	/** Whether the batch has column `name` (used by input validation of stages). */
	hasDataField(name: string): boolean {
		return Object.hasOwn(this.data, name);
	}

	/** Every column has the same length. */
	override validate(): boolean {
		const lengths = new Set(Object.values(this.data).map((column) => column.length));
		return lengths.size <= 1;
	}

	/** Column `name`; throws when it is missing. */
	column(name: string): Column {
		const column = this.data[name];
		if (column === undefined) {
			throw new CuratorError(
				ErrorCodes.invalidTask,
				`document batch has no column "${name}" (columns: ${this.columnNames.join(", ") || "none"})`,
			);
		}
		return column;
	}

	/** Column `name` as strings; throws when a value is not a string. */
	texts(name = "text"): string[] {
		const column = this.column(name);
		for (let i = 0; i < column.length; i++) {
			if (typeof column[i] !== "string") {
				throw new CuratorError(
					ErrorCodes.invalidTask,
					`column "${name}" row ${i} is ${column[i] === null ? "null" : typeof column[i]}, expected a string`,
				);
			}
		}
		return column as string[];
	}

	/** The documents as row objects. */
	rows(): DocumentRow[] {
		const names = this.columnNames;
		const columns = names.map((name) => this.data[name] as Column);
		const rows: DocumentRow[] = [];
		const count = this.numItems;
		for (let i = 0; i < count; i++) {
			const row: DocumentRow = {};
			for (let c = 0; c < names.length; c++) row[names[c] as string] = (columns[c] as Column)[i];
			rows.push(row);
		}
		return rows;
	}

	/** A batch with the rows whose `keep` entry is truthy; same dataset and metadata. */
	filter(keep: ArrayLike<boolean | number>): DocumentBatch {
		const indexes: number[] = [];
		const count = this.numItems;
		for (let i = 0; i < count; i++) if (keep[i]) indexes.push(i);
		const data: DocumentColumns = {};
		for (const [name, column] of Object.entries(this.data)) data[name] = take(column, indexes);
		return this.derive(data);
	}

	/** A batch with columns added or replaced. */
	withColumns(columns: DocumentColumns): DocumentBatch {
		const data = { ...this.data, ...columns };
		const batch = this.derive(data);
		if (!batch.validate()) {
			throw new CuratorError(ErrorCodes.invalidTask, "withColumns: column lengths differ");
		}
		return batch;
	}

	/** A new batch of the same dataset and metadata (the framework gives it its id). */
	derive(data: DocumentColumns): DocumentBatch {
		return new DocumentBatch({
			datasetName: this.datasetName,
			data,
			metadata: { ...this.metadata },
		});
	}

	/** The documents as an Apache Arrow table (strings as Utf8, numbers as Float64). */
	toArrow(): Table {
		const vectors: Record<string, Vector> = {};
		for (const [name, column] of Object.entries(this.data)) vectors[name] = toVector(column);
		return new Table(vectors);
	}

	/** Builds a batch from row objects; columns are the union of keys, missing values `null`. */
	static fromRows(rows: readonly DocumentRow[], init: BatchInit): DocumentBatch {
		const data: DocumentColumns = {};
		rows.forEach((row, index) => {
			for (const key of Object.keys(row)) {
				if (data[key] === undefined) data[key] = new Array(index).fill(null);
			}
			for (const [key, column] of Object.entries(data)) {
				(column as unknown[]).push(row[key] === undefined ? null : row[key]);
			}
		});
		return new DocumentBatch({ ...init, data });
	}

	/** Builds a batch from an Arrow table (numeric columns without nulls become typed arrays). */
	static fromArrow(table: Table, init: BatchInit): DocumentBatch {
		const data: DocumentColumns = {};
		for (const field of table.schema.fields) {
			const vector = table.getChild(field.name);
			if (vector === null) continue;
			const values = vector.toArray() as unknown;
			data[field.name] =
				ArrayBuffer.isView(values) && vector.nullCount === 0
					? (values as NumericColumn).slice()
					: Array.from(vector, (value) => plainValue(value));
		}
		return new DocumentBatch({ ...init, data });
	}
}

registerModule(import.meta.url, { DocumentBatch });

function take(column: Column, indexes: number[]): Column {
	if (Array.isArray(column)) return indexes.map((i) => column[i]);
	const typed = column as NumericColumn;
	const out = new (typed.constructor as new (length: number) => NumericColumn)(indexes.length);
	for (let i = 0; i < indexes.length; i++) out[i] = typed[indexes[i] as number] as number;
	return out;
}

function toVector(column: Column): Vector {
	if (!Array.isArray(column)) return vectorFromArray(column as Float64Array);
	const type = inferType(column);
	return type === undefined ? vectorFromArray(column) : vectorFromArray(column, type);
}

function inferType(values: unknown[]): DataType | undefined {
	let kind: string | undefined;
	for (const value of values) {
		if (value === null || value === undefined) continue;
		const current = typeof value;
		if (kind !== undefined && kind !== current) return undefined;
		kind = current;
	}
	if (kind === "string") return new Utf8();
	if (kind === "number") return new Float64();
	if (kind === "boolean") return new Bool();
	return undefined;
}

function plainValue(value: unknown): unknown {
	if (value === undefined) return null;
	if (typeof value === "bigint") return Number(value);
	if (typeof value === "object" && value !== null && "toJSON" in value) {
		return (value as { toJSON(): unknown }).toJSON();
	}
	return value;
}
