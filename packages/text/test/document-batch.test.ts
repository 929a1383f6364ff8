import { CuratorError } from "@curator/core";
import { describe, expect, it } from "vitest";
import { DocumentBatch } from "../src/index.ts";
import { batchOf, rebuild } from "./helpers.ts";

describe("DocumentBatch", () => {
	it("counts rows as items and lists columns", () => {
		const batch = batchOf(["a", "b", "c"]);
		expect(batch.numItems).toBe(3);
		expect(batch.columnNames).toEqual(["id", "text"]);
		expect(batch.hasDataField("text")).toBe(true);
		expect(batch.hasDataField("score")).toBe(false);
		expect(new DocumentBatch({ datasetName: "d", data: {} }).numItems).toBe(0);
	});

	it("round-trips row objects, filling missing keys with null", () => {
		const batch = DocumentBatch.fromRows(
			[
				{ text: "x", n: 1 },
				{ text: "y", extra: true },
			],
			{
				datasetName: "d",
			},
		);
		expect(batch.data).toEqual({ text: ["x", "y"], n: [1, null], extra: [null, true] });
		expect(batch.rows()).toEqual([
			{ text: "x", n: 1, extra: null },
			{ text: "y", n: null, extra: true },
		]);
	});

	it("filters rows, typed columns included, keeping dataset and metadata", () => {
		const batch = batchOf(["a", "b", "c"]).withColumns({ score: new Float64Array([1, 2, 3]) });
		batch.metadata = { source: "s" };
		const kept = batch.filter([1, 0, 1]);
		expect(kept.data.text).toEqual(["a", "c"]);
		expect(Array.from(kept.data.score as Float64Array)).toEqual([1, 3]);
		expect(kept.data.score).toBeInstanceOf(Float64Array);
		expect(kept.metadata).toEqual({ source: "s" });
		expect(kept.datasetName).toBe("test");
		expect(kept.taskId).toBe("");
	});

	it("rejects columns of different lengths", () => {
		expect(() => batchOf(["a"]).withColumns({ score: [1, 2] })).toThrow(/lengths differ/);
		expect(new DocumentBatch({ datasetName: "d", data: { a: [1], b: [] } }).validate()).toBe(false);
	});

	it("names the column and row of a non-string text", () => {
		const batch = new DocumentBatch({ datasetName: "d", data: { text: ["ok", 3] } });
		expect(() => batch.texts()).toThrow('column "text" row 1 is number, expected a string');
		expect(() => batch.column("nope")).toThrow(CuratorError);
	});

	it("converts to and from Apache Arrow", () => {
		const batch = DocumentBatch.fromRows(
			[
				{ id: "a", text: "hello", n: 1, ok: true },
				{ id: "b", text: "world", n: null, ok: false },
			],
			{ datasetName: "d" },
		).withColumns({ score: new Float64Array([0.5, 1.5]) });
		const table = batch.toArrow();
		expect(table.numRows).toBe(2);
		expect(table.schema.fields.map((f) => [f.name, String(f.type)])).toEqual([
			["id", "Utf8"],
			["text", "Utf8"],
			["n", "Float64"],
			["ok", "Bool"],
			["score", "Float64"],
		]);
		const back = DocumentBatch.fromArrow(table, { datasetName: "d" });
		expect(back.rows()).toEqual(batch.rows());
		expect(back.data.score).toBeInstanceOf(Float64Array);
	});

	it("survives a rebuild from prototype and cloned fields (what a worker does)", () => {
		const copy = rebuild(batchOf(["a", "b"]).withColumns({ s: new Float64Array([1, 2]) }));
		expect(copy).toBeInstanceOf(DocumentBatch);
		expect(copy.numItems).toBe(2);
		expect(copy.filter([0, 1]).rows()).toEqual([{ id: "d1", text: "b", s: 2 }]);
	});
});
