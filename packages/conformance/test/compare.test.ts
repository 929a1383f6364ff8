import { describe, expect, it } from "vitest";
import { NumbersTask, numbersTask } from "../src/fixtures/index.ts";
import { canonicalForm, contentOf } from "../src/index.ts";

class Point {
	x = 1;
}

describe("canonicalForm", () => {
	it("tells apart what toEqual lets pass", () => {
		const holey: unknown[] = [1];
		holey[2] = 3;
		const pairs: [unknown, unknown][] = [
			[{ a: 1, b: undefined }, { a: 1 }],
			[{ p: new Point() }, { p: { x: 1 } }],
			[holey, [1, undefined, 3]],
		];
		for (const [a, b] of pairs) {
			expect(a).toEqual(b);
			expect(canonicalForm(a)).not.toBe(canonicalForm(b));
		}
		expect(canonicalForm(-0)).not.toBe(canonicalForm(0));
		expect(canonicalForm(new Float32Array([1]))).not.toBe(canonicalForm(new Float64Array([1])));
	});

	it("is the same for the same content, whatever the key or entry order", () => {
		expect(canonicalForm({ a: 1, b: [2, { c: 3 }] })).toBe(
			canonicalForm({ b: [2, { c: 3 }], a: 1 }),
		);
		expect(
			canonicalForm(
				new Map([
					["x", 1],
					["y", 2],
				]),
			),
		).toBe(
			canonicalForm(
				new Map([
					["y", 2],
					["x", 1],
				]),
			),
		);
		expect(canonicalForm(new Set([1, 2]))).toBe(canonicalForm(new Set([2, 1])));
		expect(canonicalForm([1n, Number.NaN, "s", null, new Date(0)])).toBe(
			'[1n,NaN,"s",null,Date(1970-01-01T00:00:00.000Z)]',
		);
		const cyclic: Record<string, unknown> = { a: 1 };
		cyclic.self = cyclic;
		expect(canonicalForm(cyclic)).toBe('{"a":1,"self":<cycle>}');
	});
});

describe("contentOf", () => {
	it("keys each task's content by id, in task-id order, whatever the output order", () => {
		const make = (id: string, data: number[]) => {
			const task = numbersTask(data);
			task.taskId = id;
			return task;
		};
		const content = contentOf([make("0_10", [3]), make("0_2", [1])]);
		expect(content.map(([id]) => id)).toEqual(["0_2", "0_10"]);
		expect(content).toEqual(contentOf([make("0_2", [1]), make("0_10", [3])]));
		expect(content[0]?.[1]).toBe(
			'{"data":[1],"datasetName":"conformance","metadata":{},"numItems":1,"type":"NumbersTask"}',
		);
		expect(contentOf([make("0_2", [1])])).not.toEqual(contentOf([make("0_2", [-1])]));
		expect(NumbersTask.name).toBe("NumbersTask");
	});
});
