import { ProcessingStage, type Task } from "@curator/core";
import { describe, expect, it } from "vitest";
import { sizeStage, workersThatFit } from "../src/planning/sizing.ts";

class S extends ProcessingStage {
	override process(task: Task): Task {
		return task;
	}
}

describe("workersThatFit", () => {
	it("is cores / cpus, and for GPU workers at most those that fit on the devices", () => {
		const machine = { cpus: 8, gpus: 4 };
		expect(workersThatFit({ cpus: 1, gpus: 0 }, machine)).toBe(8);
		expect(workersThatFit({ cpus: 3, gpus: 0 }, machine)).toBe(2);
		expect(workersThatFit({ cpus: 0, gpus: 0 }, machine)).toBe(Number.POSITIVE_INFINITY);
		expect(workersThatFit({ cpus: 0.5, gpus: 1 }, machine, ["0", "1", "2", "3"])).toBe(4);
		expect(workersThatFit({ cpus: 0.5, gpus: 0.4 }, machine, ["0", "1"])).toBe(4);
		expect(workersThatFit({ cpus: 0.5, gpus: 0.5 }, machine, ["0", "1", "2", "3"])).toBe(8);
		expect(workersThatFit({ cpus: 1, gpus: 0.1 }, machine, ["0"])).toBe(8);
	});
});

describe("sizeStage", () => {
	it("gives a CPU stage its cpus and no devices", () => {
		const sized = sizeStage(new S({ resources: { cpus: 2 } }), { cpus: 8, gpus: 2 }, "x");
		expect(sized).toEqual({ resources: { cpus: 2, gpus: 0, devices: [] }, fit: 4 });
	});

	it("gives a GPU stage its fraction and the visible devices", () => {
		const machine = { cpus: 16, gpus: 2, gpuMemoryGb: 80 };
		const half = sizeStage(new S({ resources: { gpuMemoryGb: 40 } }), machine, "x");
		expect(half).toEqual({ resources: { cpus: 1, gpus: 0.5, devices: ["0", "1"] }, fit: 4 });
	});

	it("rejects a stage the machine cannot hold one worker of, prefixed with the backend", () => {
		expect(() =>
			sizeStage(new S({ resources: { cpus: 4 } }), { cpus: 2, gpus: 0 }, "data"),
		).toThrow(
			/^data: stage "S" asks for 4 cpus and 0 gpus per worker; this machine has 2 cpus and 0 gpus$/,
		);
		expect(() =>
			sizeStage(new S({ resources: { gpus: 1 } }), { cpus: 2, gpus: 0 }, "data"),
		).toThrow(/needs 1 GPU\(s\) per worker and this machine has no GPU/);
	});

	it("rejects a stage needing more devices than the visible set holds", () => {
		const saved = process.env.CUDA_VISIBLE_DEVICES;
		process.env.CUDA_VISIBLE_DEVICES = "3";
		try {
			// The machine says 2 GPUs, but only device 3 is visible.
			expect(() =>
				sizeStage(new S({ resources: { gpus: 2 } }), { cpus: 2, gpus: 2 }, "actor-pool"),
			).toThrow(/^actor-pool: stage "S" needs 2 GPU\(s\) per worker; the visible GPUs are \[3\]$/);
		} finally {
			if (saved === undefined) delete process.env.CUDA_VISIBLE_DEVICES;
			else process.env.CUDA_VISIBLE_DEVICES = saved;
		}
	});
});
