import { ProcessingStage, type Task } from "@curator/core";
import { describe, expect, it } from "vitest";
import { planPool } from "../src/index.ts";

class S extends ProcessingStage {
	fixed: number | undefined;
	override numWorkers(): number | undefined {
		return this.fixed;
	}
	override process(task: Task): Task {
		return task;
	}
}

describe("planPool", () => {
	it("is min(cores / cpus, batches, numWorkers, maxWorkersPerStage), at least 1", () => {
		const cpu = { cpus: 8, gpus: 0 };
		expect(planPool(new S(), cpu, 100, undefined).workers).toBe(8);
		expect(planPool(new S({ resources: { cpus: 3 } }), cpu, 100, undefined).workers).toBe(2);
		expect(planPool(new S(), cpu, 3, undefined).workers).toBe(3);
		expect(planPool(new S(), cpu, 100, 5).workers).toBe(5);
		const fixed = new S();
		fixed.fixed = 2;
		expect(planPool(fixed, cpu, 100, undefined).workers).toBe(2);
		expect(planPool(new S(), cpu, 0, undefined).workers).toBe(1);
	});

	it("limits GPU stages by the workers that fit on the visible GPUs, placed by the pool", () => {
		const gpuMachine = { cpus: 16, gpus: 4, gpuMemoryGb: 80 };
		const whole = planPool(new S({ resources: { gpus: 1 } }), gpuMachine, 100, undefined);
		expect(whole.workers).toBe(4);
		expect(whole.resources).toEqual({ cpus: 1, gpus: 1, devices: ["0", "1", "2", "3"] });
		const half = planPool(new S({ resources: { gpuMemoryGb: 40 } }), gpuMachine, 100, undefined);
		expect(half.workers).toBe(8);
		expect(half.resources.gpus).toBe(0.5);
		// 0.4 of a GPU: two per device (a third would pass one GPU), not floor(4 / 0.4) = 10.
		const fifths = planPool(new S({ resources: { gpus: 0.4 } }), gpuMachine, 100, undefined);
		expect(fifths.workers).toBe(8);
		expect(planPool(new S(), gpuMachine, 100, undefined).resources.devices).toEqual([]);
	});

	it("rejects what the machine cannot meet", () => {
		expect(() =>
			planPool(new S({ resources: { cpus: 4 } }), { cpus: 2, gpus: 0 }, 1, undefined),
		).toThrow(/asks for 4 cpus and 0 gpus per worker; this machine has 2 cpus and 0 gpus/);
		expect(() =>
			planPool(new S({ resources: { gpus: 2 } }), { cpus: 2, gpus: 1 }, 1, undefined),
		).toThrow(/CURATOR|asks for 1 cpus and 2 gpus/);
	});
});
