import type { BatchCallStats } from "@curator/core";
import { describe, expect, it } from "vitest";
import { withDerivedIds, withoutDerivableIds } from "../src/call-ids.ts";

const perf = {
	stageName: "S",
	processTimeS: 0,
	actorIdleTimeS: 0,
	inputDataSizeB: 0,
	numItemsProcessed: 0,
	customMetrics: {},
};

function call(
	stage: string,
	inputIds: string[],
	outputIds: string[],
	filteredIds: string[] = [],
): BatchCallStats {
	return {
		stage,
		tasksIn: inputIds.length,
		tasksOut: outputIds.length,
		itemsIn: inputIds.length,
		itemsOut: outputIds.length,
		perf: perf as unknown as BatchCallStats["perf"],
		inputIds,
		outputIds,
		filteredIds,
	};
}

/** What a host asked for derivedIds sends (as sent: expansion completes it in place), and what the sender rebuilds. */
function roundTrip(calls: BatchCallStats[], batchIds: string[]) {
	const wire = calls.map(withoutDerivableIds);
	const sent = structuredClone(wire);
	return { sent, rebuilt: withDerivedIds(wire, batchIds) };
}

describe("a stage call's ids left out for derivedIds and put back", () => {
	it("sends no id for a call that maps each input to <input>_0", () => {
		const calls = [call("S", ["a", "b"], ["a_0", "b_0"])];
		const { sent, rebuilt } = roundTrip(calls, ["a", "b"]);
		expect(sent[0]).not.toHaveProperty("inputIds");
		expect(sent[0]).not.toHaveProperty("outputIds");
		expect(sent[0]).not.toHaveProperty("filteredIds");
		expect(rebuilt).toEqual(calls);
	});

	it("sends only the filtered ids when the rest map one to one", () => {
		const calls = [call("S", ["a", "b", "c"], ["a_0", "c_0"], ["b"])];
		const { sent, rebuilt } = roundTrip(calls, ["a", "b", "c"]);
		expect(sent[0]?.filteredIds).toEqual(["b"]);
		expect(sent[0]).not.toHaveProperty("outputIds");
		expect(rebuilt).toEqual(calls);
	});

	it("sends the output ids of a fan-out, a source's content ids and random ids", () => {
		for (const outputs of [
			["a_0", "a_1", "b_0"],
			["doc-1", "doc-2"],
			["r1f2e3", "r4d5c6"],
		]) {
			const calls = [call("S", ["a", "b"], outputs)];
			const { sent, rebuilt } = roundTrip(calls, ["a", "b"]);
			expect(sent[0]?.outputIds).toEqual(outputs);
			expect(rebuilt).toEqual(calls);
		}
	});

	it("derives a fused chain's later inputs from the earlier stage's outputs, call by call", () => {
		const calls = [
			call("Split", ["a", "b"], ["a_0", "a_1", "b_0", "b_1"]),
			// Rebatched in twos: two calls of the next stage.
			call("Keep", ["a_0", "a_1"], ["a_0_0"], ["a_1"]),
			call("Keep", ["b_0", "b_1"], ["b_0_0", "b_1_0"]),
			call("Last", ["a_0_0", "b_0_0", "b_1_0"], ["a_0_0_0", "b_0_0_0", "b_1_0_0"]),
		];
		expect(roundTrip(calls, ["a", "b"]).rebuilt).toEqual(calls);
	});

	it("keeps the calls that finished before a chain failed", () => {
		const calls = [call("First", ["a"], ["a_0"])];
		expect(roundTrip(calls, ["a"]).rebuilt).toEqual(calls);
	});

	it("keeps entries that carry every id as they are (a host not asked for derivedIds)", () => {
		const calls = [call("S", ["x"], ["x_0"]), call("T", ["x_0"], ["x_0_0"])];
		expect(withDerivedIds(calls, ["ignored"])).toEqual(calls);
	});

	it("fails with CURATOR_PROTOCOL when a call reports more inputs than are left", () => {
		const sent = [call("S", ["a", "b"], ["a_0", "b_0"])].map(withoutDerivableIds);
		expect(() => withDerivedIds(sent, ["a"])).toThrow(
			expect.objectContaining({ code: "CURATOR_PROTOCOL" }),
		);
		expect(() => withDerivedIds(sent, ["a"])).toThrow(/reported 2 inputs, but 1 were left/);
	});
});
