import { describe, expect, it } from "vitest";
import { CuratorError, Resources } from "../src/index.ts";

describe("Resources", () => {
	it("defaults to one cpu and no gpu", () => {
		const r = new Resources();
		expect(r.toJSON()).toEqual({
			cpus: 1,
			gpus: 0,
			gpuMemoryGb: 0,
			nvdecs: 0,
			nvencs: 0,
			entireGpu: false,
		});
		expect(r.requiresGpu).toBe(false);
	});

	it.each([
		[{ cpus: -1 }, /cpus must be a finite number >= 0/],
		[{ gpus: Number.NaN }, /gpus must be a finite number/],
		[{ gpus: 1, gpuMemoryGb: 8 }, /either gpus or gpuMemoryGb/],
		[{ entireGpu: true }, /entireGpu needs gpus/],
		[{ gpus: 1.5 }, /whole number/],
		[{ nvdecs: 0.5 }, /nvdecs and nvencs must be whole/],
		[{ cpus: 0 }, /needs some cpus or gpus/],
	])("rejects %j", (init, message) => {
		expect(() => new Resources(init)).toThrow(message);
		expect(() => new Resources(init)).toThrow(CuratorError);
	});

	it("turns gpuMemoryGb into a GPU fraction of the detected device", () => {
		const r = new Resources({ gpuMemoryGb: 20 });
		expect(r.requiresGpu).toBe(true);
		expect(r.gpuFraction(80)).toBe(0.25);
		expect(r.gpuFraction(16)).toBe(1);
	});

	it("falls back to one whole GPU when no GPU memory is known", () => {
		expect(new Resources({ gpuMemoryGb: 4 }).gpuFraction(undefined)).toBe(1);
		expect(new Resources({ gpus: 0.5 }).gpuFraction(undefined)).toBe(0.5);
		expect(new Resources().gpuFraction(undefined)).toBe(0);
	});

	it("with() validates the copy", () => {
		const r = new Resources({ cpus: 2 });
		expect(r.with({ gpus: 1 }).toJSON()).toMatchObject({ cpus: 2, gpus: 1 });
		expect(() => r.with({ cpus: -2 })).toThrow(/cpus/);
	});
});
