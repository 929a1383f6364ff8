import { describe, expect, it } from "vitest";
import { assignTaskIds, CuratorError, rootTaskId } from "../src/index.ts";
import { KeyedTask, NumberTask, numbers } from "./fixtures.ts";

function withIds(ids: string[]): NumberTask[] {
	return ids.map((id) => {
		const t = new NumberTask({ data: [1] });
		t.taskId = id;
		return t;
	});
}

describe("task-id rules", () => {
	it("gives initial tasks root ids 0_i", () => {
		expect([0, 1, 2].map(rootTaskId)).toEqual(["0_0", "0_1", "0_2"]);
	});

	it("fan-out: one input, N outputs -> parent_j", () => {
		const [parent] = withIds(["0_3"]);
		const out = assignTaskIds("S", [parent!], [numbers([1], [2], [3])], false);
		expect(out.map((o) => o.task.taskId)).toEqual(["0_3_0", "0_3_1", "0_3_2"]);
		expect(out.every((o) => o.parent === parent)).toBe(true);
	});

	it("single input returning a flat list is a fan-out too", () => {
		const out = assignTaskIds("S", withIds(["a"]), numbers([1], [2]), false);
		expect(out.map((o) => o.task.taskId)).toEqual(["a_0", "a_1"]);
	});

	it("positional: N inputs, N entries -> parent_i_0", () => {
		const inputs = withIds(["a", "b", "c"]);
		const out = assignTaskIds("S", inputs, numbers([1], [2], [3]), false);
		expect(out.map((o) => o.task.taskId)).toEqual(["a_0", "b_0", "c_0"]);
		expect(out.map((o) => o.parent.taskId)).toEqual(["a", "b", "c"]);
	});

	it("filtered slots keep the alignment of the other entries", () => {
		const inputs = withIds(["a", "b", "c"]);
		const [x, z] = numbers([1], [3]);
		const out = assignTaskIds("S", inputs, [x!, null, z!], false);
		expect(out.map((o) => o.task.taskId)).toEqual(["a_0", "c_0"]);
	});

	it("only null filters: an undefined entry is an error naming the stage and the input", () => {
		const [x, z] = numbers([1], [3]);
		const positional = [x!, undefined as never, z!];
		expect(() => assignTaskIds("S", withIds(["a", "b", "c"]), positional, false)).toThrow(
			/stage "S" returned undefined for input task b \(result 1\)/,
		);
		// A flat list of another length (ambiguous batch) cannot name the input, only the slot.
		const ambiguous = [x!, undefined as never];
		expect(() => assignTaskIds("S", withIds(["a", "b", "c"]), ambiguous, false)).toThrow(
			/stage "S" returned undefined \(result 1\)/,
		);
	});

	it("source stages use deterministicId() when there is one", () => {
		const keyed = new KeyedTask({ data: [1] });
		keyed.key = "file-a";
		const plain = new KeyedTask({ data: [2] });
		const out = assignTaskIds("S", withIds(["0"]), [[keyed, plain]], true);
		expect(out.map((o) => o.task.taskId)).toEqual(["k-file-a", "0_1"]);
		const notSource = assignTaskIds("S", withIds(["0"]), [[new KeyedTask({ data: [] })]], false);
		expect(notSource[0]?.task.taskId).toBe("0_0");
	});

	it("ambiguous M -> K batches get random r-prefixed ids", () => {
		const out = assignTaskIds("S", withIds(["a", "b", "c"]), numbers([1], [2]), false);
		expect(out).toHaveLength(2);
		for (const o of out) expect(o.task.taskId).toMatch(/^r[0-9a-f]{16}$/);
		expect(out[0]?.task.taskId).not.toBe(out[1]?.task.taskId);
	});

	it("rejects results that are not tasks, naming the stage", () => {
		expect(() => assignTaskIds("Bad", withIds(["a"]), [{ data: 1 } as never], false)).toThrow(
			/stage "Bad" returned an instance of Object/,
		);
		expect(() => assignTaskIds("Bad", withIds(["a"]), [42 as never], false)).toThrow(CuratorError);
	});
});
