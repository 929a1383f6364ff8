import { describe, expect, it } from "vitest";
import { parseVisibleDevices, visibleGpus } from "../src/machine.ts";
import {
	deviceNumbers,
	GpuPlacement,
	type GpuSeat,
	gpuCapacity,
	gpuSeats,
} from "../src/planning/placement.ts";

const devicesOf = (seats: readonly (GpuSeat | undefined)[]) =>
	seats.map((seat) => seat?.devices.join(","));

describe("gpuCapacity", () => {
	it("counts whole GPUs side by side and fractions up to one per device", () => {
		expect(gpuCapacity(4, 1)).toBe(4);
		expect(gpuCapacity(4, 2)).toBe(2);
		expect(gpuCapacity(3, 2)).toBe(1);
		expect(gpuCapacity(2, 0.5)).toBe(4);
		// Three workers of 0.4 would need 1.2 of a device: two per device.
		expect(gpuCapacity(2, 0.4)).toBe(4);
		expect(gpuCapacity(1, 0.1)).toBe(10);
		expect(gpuCapacity(1, 1 / 3)).toBe(3);
		expect(gpuCapacity(0, 0.5)).toBe(0);
		expect(gpuCapacity(2, 0)).toBe(Number.POSITIVE_INFINITY);
	});
});

describe("gpuSeats", () => {
	it("gives whole-GPU workers consecutive devices of the visible set", () => {
		expect(devicesOf(gpuSeats(["0", "1", "2", "3"], 2))).toEqual(["0,1", "2,3"]);
		expect(devicesOf(gpuSeats(["2", "3"], 1))).toEqual(["2", "3"]);
	});

	it("spreads fractional workers over the devices before sharing one", () => {
		expect(devicesOf(gpuSeats(["0", "1"], 0.5))).toEqual(["0", "1", "0", "1"]);
		expect(devicesOf(gpuSeats(["GPU-a"], 0.5))).toEqual(["GPU-a", "GPU-a"]);
	});
});

describe("GpuPlacement", () => {
	it("hands out the lowest free seat, and a freed seat again", () => {
		const placement = new GpuPlacement(["0", "1"], 1);
		const [a, b] = [placement.take(), placement.take()];
		expect(devicesOf([a, b])).toEqual(["0", "1"]);
		expect(placement.take()).toBeUndefined();
		placement.give(a as GpuSeat);
		expect(placement.free).toBe(1);
		expect(placement.take()?.devices).toEqual(["0"]);
	});

	it("never lets three 0.5-GPU workers share a device, however often workers are replaced", () => {
		const placement = new GpuPlacement(["0", "1"], 0.5);
		const live = new Set<GpuSeat>();
		for (let round = 0; round < 20; round++) {
			for (let seat = placement.take(); seat !== undefined; seat = placement.take()) live.add(seat);
			const perDevice = new Map<string, number>();
			for (const seat of live) {
				for (const d of seat.devices) perDevice.set(d, (perDevice.get(d) ?? 0) + 0.5);
			}
			expect(Math.max(...perDevice.values())).toBeLessThanOrEqual(1);
			expect([...perDevice.keys()].sort()).toEqual(["0", "1"]);
			const leaving = [...live][round % live.size] as GpuSeat;
			live.delete(leaving);
			placement.give(leaving);
		}
		expect(placement.capacity).toBe(4);
	});

	it("has no seat on a machine without visible GPUs", () => {
		expect(new GpuPlacement([], 1).take()).toBeUndefined();
	});
});

describe("deviceNumbers", () => {
	it("keeps device indexes and numbers UUIDs by their position in the visible set", () => {
		expect(deviceNumbers({ index: 0, devices: ["3"] }, ["2", "3"])).toEqual([3]);
		expect(deviceNumbers({ index: 0, devices: ["GPU-b"] }, ["GPU-a", "GPU-b"])).toEqual([1]);
	});
});

describe("visible GPUs", () => {
	it("are all installed ones without an inherited CUDA_VISIBLE_DEVICES", () => {
		expect(parseVisibleDevices(undefined, 2)).toEqual(["0", "1"]);
		expect(visibleGpus(3, undefined)).toEqual(["0", "1", "2"]);
	});

	it("are restricted and named by an inherited CUDA_VISIBLE_DEVICES", () => {
		expect(parseVisibleDevices("2,3", 4)).toEqual(["2", "3"]);
		expect(visibleGpus(2, "2,3")).toEqual(["2", "3"]);
		expect(parseVisibleDevices(" 1 , GPU-abc ", 4)).toEqual(["1", "GPU-abc"]);
	});

	it("end at the first invalid entry, as for CUDA", () => {
		expect(parseVisibleDevices("", 4)).toEqual([]);
		expect(parseVisibleDevices("-1", 4)).toEqual([]);
		expect(parseVisibleDevices("1,7,2", 4)).toEqual(["1"]);
		expect(parseVisibleDevices("0,0", 4)).toEqual(["0"]);
	});
});
