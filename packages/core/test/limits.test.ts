import { describe, expect, it } from "vitest";
import {
	BARRIER_BATCH_SIZE,
	describeBatchSize,
	describeCountLimit,
	isUnboundedCount,
	Pipeline,
} from "../src/index.ts";
import { DoubleStage } from "./fixtures.ts";

describe("count limits in words", () => {
	it("never show a sentinel: a barrier's batch is all tasks, a bound past it unbounded", () => {
		expect(describeBatchSize(Number.MAX_SAFE_INTEGER)).toBe("all tasks");
		expect(describeBatchSize(BARRIER_BATCH_SIZE)).toBe("all tasks");
		expect(describeBatchSize(16)).toBe("16");
		expect(describeCountLimit(Number.MAX_SAFE_INTEGER * 4, "tasks")).toBe("unbounded");
		expect(describeCountLimit(Number.POSITIVE_INFINITY, "tasks")).toBe("unbounded");
		expect(describeCountLimit(64, "tasks")).toBe("64 tasks");
		expect(isUnboundedCount(BARRIER_BATCH_SIZE - 1)).toBe(false);
	});

	it("describe a pipeline's barrier stage as batching all tasks", () => {
		const pipeline = new Pipeline({
			name: "p",
			stages: [new DoubleStage({ batchSize: Number.MAX_SAFE_INTEGER })],
		});
		expect(pipeline.describe()).toContain("batchSize=all tasks cpus=1");
	});
});
