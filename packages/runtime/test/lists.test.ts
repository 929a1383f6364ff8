import { describe, expect, it } from "vitest";
import { concatLists } from "../src/lists.ts";

describe("concatLists", () => {
	it("joins lists in order, empty ones included", () => {
		expect(concatLists([[1, 2], [], [3], [4, 5]])).toEqual([1, 2, 3, 4, 5]);
		expect(concatLists([])).toEqual([]);
		expect(concatLists([[], []])).toEqual([]);
	});

	it("keeps nested lists as items and copies, leaving the inputs alone", () => {
		const inner = [9];
		const lists = [[inner], [[8]]];
		const joined = concatLists(lists);
		expect(joined).toEqual([[9], [8]]);
		expect(joined[0]).toBe(inner);
		joined.push([7]);
		expect(lists).toEqual([[inner], [[8]]]);
	});

	it("joins more lists than a call can take arguments", () => {
		const lists = Array.from({ length: 200_000 }, (_, i) => [i]);
		const joined = concatLists(lists);
		expect(joined).toHaveLength(200_000);
		expect(joined[199_999]).toBe(199_999);
	});
});
