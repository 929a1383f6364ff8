import { describe, expect, it } from "vitest";
import { fastestRuns, interleavedRuns, medianRatio } from "../src/runs.ts";

describe("interleaved runs", () => {
	it("times each runner once per round, in turn, and keeps every round", async () => {
		const order: string[] = [];
		const clock = (name: string, seconds: number[]) =>
			[
				name,
				async () => {
					order.push(name);
					return seconds.shift() as number;
				},
			] as const;
		const rounds = await interleavedRuns([clock("a", [3, 1]), clock("b", [5, 4])], 2, () => {});
		expect(order).toEqual(["a", "b", "a", "b"]);
		expect(rounds).toEqual(
			new Map([
				["a", [3, 1]],
				["b", [5, 4]],
			]),
		);
	});

	it("fastestRuns keeps the fastest round of each runner", async () => {
		const times = [2, 0.5, 1];
		const best = await fastestRuns([["a", async () => times.shift() as number]], 3, () => {});
		expect(best.get("a")).toBe(0.5);
	});
});

describe("medianRatio", () => {
	it("is the median of the per-round ratios reference / seconds", () => {
		// Ratios 2, 0.5 and 1: their median, not the ratio of the medians or of the fastest.
		expect(medianRatio([2, 1, 3], [1, 2, 3])).toBe(1);
	});

	it("averages the two middle ratios of an even number of rounds", () => {
		expect(medianRatio([1, 2, 3, 8], [1, 1, 1, 1])).toBe(2.5);
	});
});
