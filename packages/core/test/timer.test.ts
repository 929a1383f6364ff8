import { describe, expect, it } from "vitest";
import { StageTimer } from "../src/index.ts";

function fakeClock(start = 100) {
	let now = start;
	return {
		clock: () => now,
		advance: (s: number) => {
			now += s;
		},
	};
}

describe("StageTimer", () => {
	it("separates start-up time from idle time and measures per-item time", async () => {
		const { clock, advance } = fakeClock();
		const timer = new StageTimer("S", clock);
		advance(5);
		timer.markReady();
		expect(timer.startupTimeS).toBe(5);
		advance(2);
		const [value, first] = await timer.time(4, () => {
			advance(8);
			return "ok";
		});
		expect(value).toBe("ok");
		expect(first).toEqual({ processTimeS: 8, idleTimeS: 2, perItemTimeS: 2 });
		advance(1);
		const [, second] = await timer.time(0, () => advance(3));
		expect(second).toEqual({ processTimeS: 3, idleTimeS: 1, perItemTimeS: 0 });
	});

	it("builds a perf record", () => {
		const timer = new StageTimer("S", () => 0);
		const record = timer.record(
			{ processTimeS: 1, idleTimeS: 0.5, perItemTimeS: 0.25 },
			{ batchId: "0_0", numItems: 4, numTasks: 2, inputSizeBytes: 10 },
			{ hits: 3 },
		);
		expect(record).toEqual({
			stageName: "S",
			batchId: "0_0",
			processTimeS: 1,
			idleTimeS: 0.5,
			inputSizeBytes: 10,
			numItemsProcessed: 4,
			numTasksProcessed: 2,
			perItemTimeS: 0.25,
			customMetrics: { hits: 3 },
		});
	});
});
