import { describe, expect, it } from "vitest";
import { GpuLedger } from "../src/planning/gpu-ledger.ts";
import { splitGpus } from "../src/planning/gpu-shares.ts";
import { GpuPlacement, type GpuSeat, gpuCapacity, gpuSeats } from "../src/planning/placement.ts";

const devicesOf = (seats: readonly (GpuSeat | undefined)[]) =>
	seats.map((seat) => seat?.devices.join(","));

describe("GpuLedger", () => {
	it("holds fractions of a device up to one, across holders", () => {
		const ledger = new GpuLedger(["0", "1"]);
		const half = ledger.take(["0"], 0.5);
		expect(ledger.take(["0"], 0.3)).toBeDefined();
		expect(ledger.take(["0"], 0.5)).toBeUndefined();
		expect(ledger.take(["0"], 1)).toBeUndefined();
		expect(ledger.free("0")).toBeCloseTo(0.2);
		ledger.give(half as NonNullable<typeof half>);
		ledger.give(half as NonNullable<typeof half>);
		expect(ledger.free("0")).toBeCloseTo(0.7);
		expect(ledger.take(["0"], 0.5)).toBeDefined();
	});

	it("holds every device of a whole-GPU worker entirely (1.5 GPUs take two devices)", () => {
		const ledger = new GpuLedger(["0", "1", "2"]);
		expect(ledger.take(["0", "1"], 1.5)).toBeDefined();
		expect(ledger.free("1")).toBe(0);
		expect(ledger.take(["1"], 0.1)).toBeUndefined();
		expect(ledger.find(1.5, "spread")).toBeUndefined();
		expect(ledger.find(1, "spread")).toEqual(["2"]);
	});

	it("never hands out a device outside the visible set", () => {
		const ledger = new GpuLedger(["2", "3"]);
		expect(ledger.free("0")).toBe(0);
		expect(ledger.take(["0"], 0.5)).toBeUndefined();
		expect(ledger.take([], 0.5)).toBeUndefined();
		expect(ledger.take(["2", "0"], 1)).toBeUndefined();
		expect(ledger.free("2")).toBe(1);
	});

	it("fits ten tenths on a device, however often they change hands", () => {
		const ledger = new GpuLedger(["0"]);
		const holds = Array.from({ length: 10 }, () => ledger.take(["0"], 0.1));
		expect(holds.every((hold) => hold !== undefined)).toBe(true);
		expect(ledger.take(["0"], 0.1)).toBeUndefined();
		for (let round = 0; round < 1000; round++) {
			const index = round % holds.length;
			ledger.give(holds[index] as NonNullable<(typeof holds)[number]>);
			holds[index] = ledger.take(["0"], 0.1);
			expect(holds[index]).toBeDefined();
			expect(ledger.take(["0"], 0.1)).toBeUndefined();
		}
	});

	it("finds the fullest device that fits (pack) or the emptiest (spread)", () => {
		const ledger = new GpuLedger(["0", "1", "2"]);
		ledger.take(["1"], 0.5);
		ledger.take(["2"], 0.8);
		expect(ledger.find(0.5, "pack")).toEqual(["1"]);
		expect(ledger.find(0.5, "spread")).toEqual(["0"]);
		expect(ledger.find(0.2, "pack")).toEqual(["2"]);
		expect(ledger.find(1, "pack")).toEqual(["0"]);
	});
});

describe("GpuPlacement on a shared ledger", () => {
	it("never lets two pools' live workers share a device beyond their fractions", () => {
		const ledger = new GpuLedger(["0", "1"]);
		// Both pools would start on device 0 with a ledger each.
		const whole = new GpuPlacement(["0", "1"], 1, { ledger });
		const halves = new GpuPlacement(["0", "1"], 0.5, { ledger });
		const a = whole.take();
		expect(devicesOf([a, halves.take(), halves.take(), halves.take()])).toEqual([
			"0",
			"1",
			"1",
			undefined,
		]);
		expect(whole.take()).toBeUndefined();
		whole.give(a as GpuSeat);
		expect(halves.take()?.devices).toEqual(["0"]);
		expect(whole.take()).toBeUndefined();
	});

	it("places a pool on its share only", () => {
		const ledger = new GpuLedger(["0", "1"]);
		const seats = [{ index: 0, devices: ["1"] }];
		const placement = new GpuPlacement(["0", "1"], 1, { seats, ledger });
		expect(placement.capacity).toBe(1);
		expect(placement.take()?.devices).toEqual(["1"]);
		expect(placement.take()).toBeUndefined();
		expect(ledger.free("0")).toBe(1);
	});
});

describe("splitGpus", () => {
	it("gives a lone pool the seats of gpuSeats, in that order, up to its maxWorkers", () => {
		const cases: [string[], number][] = [
			[["0", "1"], 1],
			[["0", "1"], 0.5],
			[["0", "1"], 0.4],
			[["0", "1", "2", "3"], 2],
			[["0", "1", "2"], 1.5],
			[["0"], 0.1],
			[["0"], 1 / 3],
		];
		for (const [devices, gpus] of cases) {
			const [share] = splitGpus(devices, [{ name: "s", gpusPerWorker: gpus, maxWorkers: 99 }], "x");
			expect(share).toEqual(gpuSeats(devices, gpus));
			expect(share).toHaveLength(gpuCapacity(devices.length, gpus));
		}
		const [capped] = splitGpus(["0", "1"], [{ name: "s", gpusPerWorker: 0.5, maxWorkers: 3 }], "x");
		expect(devicesOf(capped ?? [])).toEqual(["0", "1", "0"]);
	});

	it("splits the devices among concurrent pools in turn, none taking every seat", () => {
		const shares = splitGpus(
			["0", "1", "2", "3"],
			[
				{ name: "a", gpusPerWorker: 1, maxWorkers: 4 },
				{ name: "b", gpusPerWorker: 1, maxWorkers: 4 },
			],
			"x",
		);
		expect(shares.map(devicesOf)).toEqual([
			["0", "2"],
			["1", "3"],
		]);
		const capped = splitGpus(
			["0", "1", "2", "3"],
			[
				{ name: "a", gpusPerWorker: 1, maxWorkers: 1 },
				{ name: "b", gpusPerWorker: 1, maxWorkers: 4 },
			],
			"x",
		);
		expect(capped.map(devicesOf)).toEqual([["0"], ["1", "2", "3"]]);
		expect(capped[1]?.map((seat) => seat.index)).toEqual([0, 1, 2]);
	});

	it("gives every pool its first worker before any pool a second, largest requests first", () => {
		// In pipeline order, "a" and "b" would take a device each and leave "c" without a whole one.
		const shares = splitGpus(
			["0", "1"],
			[
				{ name: "a", gpusPerWorker: 0.5, maxWorkers: 4 },
				{ name: "b", gpusPerWorker: 0.5, maxWorkers: 4 },
				{ name: "c", gpusPerWorker: 1, maxWorkers: 4 },
			],
			"x",
		);
		expect(shares.map(devicesOf)).toEqual([["1"], ["1"], ["0"]]);
	});

	it("keeps the shares together within one GPU per device", () => {
		const requests = [
			{ name: "a", gpusPerWorker: 0.3, maxWorkers: 9 },
			{ name: "b", gpusPerWorker: 0.5, maxWorkers: 9 },
			{ name: "c", gpusPerWorker: 2, maxWorkers: 9 },
		];
		const shares = splitGpus(["0", "1", "2", "3", "4"], requests, "x");
		const load = new Map<string, number>();
		shares.forEach((share, i) => {
			expect(share.length).toBeGreaterThan(0);
			const each = Math.min(1, requests[i]?.gpusPerWorker ?? 0);
			for (const seat of share) {
				for (const d of seat.devices) load.set(d, (load.get(d) ?? 0) + each);
			}
		});
		for (const used of load.values()) expect(used).toBeLessThanOrEqual(1 + 1e-9);
	});

	it("fails up front, naming the pools and the visible GPUs, when one cannot get a worker", () => {
		expect.assertions(2);
		try {
			splitGpus(
				["0"],
				[
					{ name: "embed", gpusPerWorker: 1, maxWorkers: 1 },
					{ name: "classify", gpusPerWorker: 0.5, maxWorkers: 1 },
				],
				"data",
			);
		} catch (error) {
			expect(error).toMatchObject({ code: "CURATOR_UNSATISFIABLE_RESOURCES" });
			expect((error as Error).message).toBe(
				'data: GPU stage(s) "embed" (1 GPU(s) per worker), "classify" (0.5 GPU(s) per worker) run at the same time and cannot each get one worker on the visible GPUs [0]',
			);
		}
	});
});
