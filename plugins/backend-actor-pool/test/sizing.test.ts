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

	it("limits GPU stages by the GPUs and gives each worker its own devices", () => {
		const gpuMachine = { cpus: 16, gpus: 4, gpuMemoryGb: 80 };
		const whole = planPool(new S({ resources: { gpus: 1 } }), gpuMachine, 100, undefined);
		expect(whole.workers).toBe(4);
		expect([0, 1, 2, 3].map((slot) => whole.env(slot).CUDA_VISIBLE_DEVICES)).toEqual([
			"0",
			"1",
			"2",
			"3",
		]);
		expect(whole.allocation(2)).toEqual({ cpus: 1, gpus: [2] });
		const half = planPool(new S({ resources: { gpuMemoryGb: 40 } }), gpuMachine, 100, undefined);
		expect(half.workers).toBe(8);
		expect([0, 1, 2, 3].map((slot) => half.env(slot).CUDA_VISIBLE_DEVICES)).toEqual([
			"0",
			"0",
			"1",
			"1",
		]);
		expect(planPool(new S(), gpuMachine, 100, undefined).env(0)).toEqual({});
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
