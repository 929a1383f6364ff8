import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Task } from "@curator/core";
import { describe, expect, it } from "vitest";
import {
	admit,
	committedWorkers,
	type PoolLoad,
	scaleActions,
	taskBytes,
	wantedWorkers,
} from "../src/index.ts";
import { TaskQueue } from "../src/queue.ts";
import { numbers } from "./fixtures/stages.ts";

const occupancy = {
	tasks: 0,
	bytes: 0,
	inFlight: 0,
	tasksPerCall: 1,
	bytesPerCall: 100,
	consumerHasBatch: false,
	calibrated: true,
};
const bound = { maxTasks: 4, maxBytes: 1000 };

describe("admission (backpressure)", () => {
	it("reserves room for every running call's output", () => {
		expect(admit({ ...occupancy, tasks: 2, inFlight: 1 }, bound)).toEqual({ admit: true });
		expect(admit({ ...occupancy, tasks: 2, inFlight: 2, consumerHasBatch: true }, bound)).toEqual({
			admit: false,
			reason: "tasks",
		});
		expect(admit({ ...occupancy, tasks: 1, bytes: 900, inFlight: 1 }, bound)).toEqual({
			admit: false,
			reason: "bytes",
		});
	});

	it("lets one call go when nothing runs and the consumer cannot form a batch", () => {
		const big = { ...occupancy, tasksPerCall: 50, bytes: 5000 };
		expect(admit(big, bound)).toEqual({ admit: true });
		expect(admit({ ...big, consumerHasBatch: true }, bound).admit).toBe(false);
		expect(admit({ ...big, inFlight: 1 }, bound).admit).toBe(false);
	});

	it("runs the first call alone, until its output size is known", () => {
		const fresh = { ...occupancy, calibrated: false, bytesPerCall: 0 };
		expect(admit(fresh, bound)).toEqual({ admit: true });
		expect(admit({ ...fresh, inFlight: 1 }, bound)).toEqual({
			admit: false,
			reason: "calibrating",
		});
	});

	it("admits every call into an unbounded queue (a barrier's), measured or not", () => {
		const unbounded = { maxTasks: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY };
		const fresh = { ...occupancy, calibrated: false, inFlight: 7, tasks: 10 ** 9 };
		expect(admit(fresh, unbounded)).toEqual({ admit: true });
		expect(admit({ ...fresh, calibrated: true, consumerHasBatch: true }, unbounded)).toEqual({
			admit: true,
		});
	});

	it("estimates task sizes from their data", () => {
		const [small, large] = numbers(
			[1],
			Array.from({ length: 100 }, (_, i) => i),
		);
		expect(taskBytes(large!)).toBeGreaterThan(taskBytes(small!) + 700);
	});
});

const load = (changes: Partial<PoolLoad>): PoolLoad => ({
	size: 1,
	minWorkers: 1,
	maxWorkers: 4,
	inFlight: 0,
	slots: 2,
	queuedBatches: 0,
	changing: false,
	done: false,
	...changes,
});

describe("scaling", () => {
	it("asks for enough workers to hold what runs and waits, within the pool's bounds", () => {
		expect(wantedWorkers(load({ inFlight: 2, queuedBatches: 3 }))).toBe(3);
		expect(wantedWorkers(load({ queuedBatches: 100 }))).toBe(4);
		expect(wantedWorkers(load({ minWorkers: 2 }))).toBe(2);
	});

	it("starts a pool with work at its minimum, or more as its queue depth asks", () => {
		expect(scaleActions([load({ size: 0, minWorkers: 2, queuedBatches: 1 })], 4)).toEqual([
			{ pool: 0, grow: 2 },
		]);
		expect(scaleActions([load({ size: 0, queuedBatches: 10 })], 4)).toEqual([{ pool: 0, grow: 4 }]);
		const waiting = load({ size: 0, queuedBatches: 1 });
		expect(scaleActions([load({ size: 0, queuedBatches: 10 }), waiting], 2)).toEqual([
			{ pool: 0, grow: 1 },
			{ pool: 1, grow: 1 },
		]);
	});

	it("grows a busy pool with waiting work, within the bound", () => {
		const busy = load({ inFlight: 2, queuedBatches: 1 });
		expect(scaleActions([busy], 4)).toEqual([{ pool: 0, grow: 2 }]);
		expect(scaleActions([load({ inFlight: 1, queuedBatches: 1 })], 4)).toEqual([]);
		expect(scaleActions([{ ...busy, maxWorkers: 1 }], 4)).toEqual([]);
		expect(scaleActions([{ ...busy, changing: true }], 4)).toEqual([]);
		expect(scaleActions([busy, load({})], 2)).toEqual([]);
	});

	it("takes the place of an idle worker of a pool without work when the bound is reached", () => {
		const starved = load({ inFlight: 2, queuedBatches: 1 });
		const idle = load({ size: 2, inFlight: 0 });
		expect(scaleActions([starved, idle], 3)).toEqual([{ pool: 1, shrink: true }]);
		expect(scaleActions([starved, { ...idle, size: 1 }], 2)).toEqual([]);
		expect(scaleActions([starved, { ...idle, queuedBatches: 1 }], 3)).toEqual([]);
	});

	it("counts a pool's minimum while it has work, not before its first batch", () => {
		expect(committedWorkers(load({ size: 0, minWorkers: 2, queuedBatches: 1 }))).toBe(2);
		expect(committedWorkers(load({ size: 1, minWorkers: 2, inFlight: 1 }))).toBe(2);
		expect(committedWorkers(load({ size: 0, minWorkers: 2 }))).toBe(0);
		expect(committedWorkers(load({ size: 3 }))).toBe(3);
		expect(committedWorkers(load({ size: 0, minWorkers: 2, done: true, queuedBatches: 1 }))).toBe(
			0,
		);
	});

	it("lets upstream pools use every worker while a barrier pool waits, then makes room for it", () => {
		const upstream = load({ size: 0, queuedBatches: 10, maxWorkers: 2 });
		const barrier = load({ size: 0, maxWorkers: 1 });
		expect(scaleActions([upstream, barrier], 2)).toEqual([{ pool: 0, grow: 2 }]);
		const upstreamIdle = load({ size: 2, maxWorkers: 2 });
		const barrierReady = { ...barrier, queuedBatches: 1 };
		expect(scaleActions([upstreamIdle, barrierReady], 2)).toEqual([{ pool: 0, shrink: true }]);
		const upstreamShrunk = { ...upstreamIdle, size: 1 };
		expect(scaleActions([upstreamShrunk, barrierReady], 2)).toEqual([{ pool: 1, grow: 1 }]);
		const upstreamBusy = { ...upstreamIdle, inFlight: 4 };
		expect(scaleActions([upstreamBusy, barrierReady], 2)).toEqual([]);
	});
});

describe("task queue", () => {
	it("takes from the front in order and tracks bytes", () => {
		const queue = new TaskQueue();
		const tasks = numbers(...Array.from({ length: 3000 }, (_, i) => [i]));
		queue.push(
			tasks,
			tasks.map(() => 10),
		);
		expect([queue.length, queue.bytes]).toEqual([3000, 30_000]);
		const first = queue.take(2000);
		expect(first.slice(0, 3)).toEqual(tasks.slice(0, 3));
		expect([queue.length, queue.bytes]).toEqual([1000, 10_000]);
		expect(queue.take(5000)[0]).toBe(tasks[2000]);
		expect([queue.length, queue.bytes]).toEqual([0, 0]);
	});

	it("does not keep taken tasks alive", async () => {
		setFlagsFromString("--expose-gc");
		const gc = runInNewContext("gc") as () => void;
		const queue = new TaskQueue();
		let refs: WeakRef<Task>[] = [];
		(() => {
			const tasks = numbers([1], [2], [3], [4]);
			refs = tasks.map((task) => new WeakRef(task));
			queue.push(tasks);
			queue.take(1);
		})();
		await new Promise((resolve) => setTimeout(resolve, 0));
		gc();
		expect(refs[0]?.deref()).toBeUndefined();
		expect(refs[3]?.deref()).toBeDefined();
		expect(queue.length).toBe(3);
	});
});
