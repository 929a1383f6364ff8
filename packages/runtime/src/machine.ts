import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import type { MachineResources } from "@curator/core";

/** CPU cores and NVIDIA GPUs of this machine (GPUs through `nvidia-smi`; none when it is absent). */
export function detectMachine(): MachineResources {
	const gpus = detectGpuMemoriesGb();
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
