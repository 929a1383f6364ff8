import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import {
	CuratorError,
	ErrorCodes,
	type MachineResources,
	type ProcessingStage,
} from "@curator/core";

let gpuMemoriesGb: number[] | undefined;

/**
 * CPU cores and NVIDIA GPUs of this machine (GPUs through `nvidia-smi`, asked
 * once per process; none when it is absent).
 */
export function detectMachine(): MachineResources {
	gpuMemoriesGb ??= detectGpuMemoriesGb();
	const gpus = gpuMemoriesGb;
	const machine: MachineResources = { cpus: availableParallelism(), gpus: gpus.length };
	if (gpus.length > 0) machine.gpuMemoryGb = Math.min(...gpus);
	return machine;
}

function detectGpuMemoriesGb(): number[] {
	try {
		const out = execFileSync(
			"nvidia-smi",
			["--query-gpu=memory.total", "--format=csv,noheader,nounits"],
			{ encoding: "utf8", timeout: 5000, stdio: ["ignore", "pipe", "ignore"] },
		);
		return out
			.split("\n")
			.map((line) => Number.parseFloat(line) / 1024)
			.filter((gb) => Number.isFinite(gb) && gb > 0);
	} catch {
		return [];
	}
}

/**
 * Throws `CURATOR_UNSATISFIABLE_RESOURCES`, prefixed with `backend`, when one
 * worker of `stage` asks for more than `machine` has (a GPU stage on a
 * machine without GPUs, more cpus than cores). Called before any work starts.
 */
export function assertFitsMachine(
	stage: ProcessingStage,
	machine: MachineResources,
	backend: string,
): void {
	const { cpus } = stage.resources;
	const gpus = stage.resources.gpuFraction(machine.gpuMemoryGb);
	const fail = (message: string) =>
		new CuratorError(
			ErrorCodes.unsatisfiableResources,
			`${backend}: stage "${stage.name}" ${message}`,
		);
	if (gpus > 0 && machine.gpus === 0) {
		throw fail(`needs ${gpus} GPU(s) per worker and this machine has no GPU`);
	}
	if (cpus > machine.cpus || gpus > machine.gpus) {
		throw fail(
			`asks for ${cpus} cpus and ${gpus} gpus per worker; this machine has ${machine.cpus} cpus and ${machine.gpus} gpus`,
		);
	}
}
