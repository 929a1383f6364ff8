import { describe, expect, it } from "vitest";
import {
	describeExpected,
	type ExpectedReply,
	expectedReply,
	isExpectedReply,
	isSplit,
	type ProcessResult,
} from "../src/host-reply.ts";

const payload = new Uint8Array([1, 2, 3]);
const stat = {
	stage: "S",
	tasksIn: 1,
	tasksOut: 1,
	itemsIn: 1,
	itemsOut: 1,
	perf: {},
	inputIds: ["0"],
	outputIds: ["0_0"],
	filteredIds: [],
};
const worker = { workerId: "w", allocation: { cpus: 1, gpus: [] } };
const done: ExpectedReply = { kind: "done" };
const oneBatch: ExpectedReply = { kind: "process" };
const twoBatches: ExpectedReply = { kind: "batches", count: 2 };

describe("expectedReply (the reply shape a request gets)", () => {
	it("is done for every request but process", () => {
		expect(expectedReply({ type: "setup", key: "0", worker })).toEqual(done);
		expect(expectedReply({ type: "teardown", key: "0" })).toEqual(done);
		expect(expectedReply({ type: "shutdown" })).toEqual(done);
	});

	it("is a batch's result for one batch, split or not, and one entry per batch for several", () => {
		expect(expectedReply({ type: "process", keys: ["0"], payload })).toEqual(oneBatch);
		expect(expectedReply({ type: "process", keys: ["0"], payloads: ["/f"], split: true })).toEqual(
			oneBatch,
		);
		expect(expectedReply({ type: "process", keys: ["0"], payload, batches: [1, 0] })).toEqual(
			twoBatches,
		);
	});
});

describe("isExpectedReply (the one reader of a reply's untagged shape)", () => {
	const whole = { payload, stats: [stat] };
	const split = { payloads: [payload, "/spill/f.task"], tasks: [ref("a"), ref("b")], stats: [] };
	const batches = {
		payload,
		batches: [
			{ outputs: 1, stats: [stat] },
			{ outputs: 0, stats: [] },
		],
	};

	it("accepts each request's own shape", () => {
		expect(isExpectedReply({}, done)).toBe(true);
		expect(isExpectedReply(whole, oneBatch)).toBe(true);
		expect(isExpectedReply(split, oneBatch)).toBe(true);
		expect(isExpectedReply(batches, twoBatches)).toBe(true);
	});

	it("rejects another request's shape", () => {
		expect(isExpectedReply(whole, done)).toBe(false);
		expect(isExpectedReply(split, done)).toBe(false);
		expect(isExpectedReply(batches, oneBatch)).toBe(false);
		expect(isExpectedReply(whole, twoBatches)).toBe(false);
		expect(isExpectedReply({}, oneBatch)).toBe(false);
	});

	it("rejects a split reply that does not describe each task, or mixes in a payload", () => {
		expect(isExpectedReply({ ...split, tasks: [ref("a")] }, oneBatch)).toBe(false);
		expect(isExpectedReply({ payloads: split.payloads, stats: [] }, oneBatch)).toBe(false);
		expect(isExpectedReply({ ...split, payload }, oneBatch)).toBe(false);
	});

	it("rejects a one-batch reply without stats, and a multi-batch one with another count", () => {
		expect(isExpectedReply({ payload }, oneBatch)).toBe(false);
		expect(isExpectedReply(batches, { kind: "batches", count: 3 })).toBe(false);
		expect(isExpectedReply({ batches: batches.batches }, twoBatches)).toBe(false);
	});

	it("says what was expected, for the protocol error", () => {
		expect(describeExpected(twoBatches)).toBe("one payload and 2 batch replies");
		expect(describeExpected(done)).toBe("a reply without outputs");
	});
});

describe("isSplit", () => {
	it("narrows a one-batch result to its split or whole shape", () => {
		const results: ProcessResult[] = [
			{ payload, stats: [] },
			{ payloads: ["/f"], tasks: [ref("a")], stats: [] },
		];
		const seen = results.map((result) =>
			isSplit(result) ? result.tasks.map((t) => t.taskId) : result.payload,
		);
		expect(seen).toEqual([payload, ["a"]]);
	});
});

function ref(taskId: string) {
	return { taskId, numItems: 1 };
}
