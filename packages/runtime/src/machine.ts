import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import {
	CuratorError,
	ErrorCodes,
	type MachineResources,
	type ProcessingStage,
} from "@curator/core";

/** Memory (GiB) of each installed GPU, by the `PATH` nvidia-smi was looked up on. */
const gpuMemoriesGb = new Map<string, number[]>();

/**
 * CPU cores and NVIDIA GPUs of this machine (GPUs through `nvidia-smi`, asked
 * once per process and `PATH`; none when it is absent). An inherited
 * `CUDA_VISIBLE_DEVICES` restricts the GPUs counted to the ones it names.
 */
export function detectMachine(): MachineResources {
	const path = process.env.PATH ?? "";
	let installed = gpuMemoriesGb.get(path);
	if (installed === undefined) {
		installed = detectGpuMemoriesGb();
		gpuMemoriesGb.set(path, installed);
	}
	const visible = parseVisibleDevices(process.env.CUDA_VISIBLE_DEVICES, installed.length);
	const memories = visible.every((device) => /^\d+$/.test(device))
		? visible.map((device) => installed[Number(device)] as number)
		: installed;
	const machine: MachineResources = { cpus: availableParallelism(), gpus: visible.length };
	if (visible.length > 0) machine.gpuMemoryGb = Math.min(...memories);
	return machine;
}

/**
 * The GPUs workers may be given, as `CUDA_VISIBLE_DEVICES` entries, for a
 * machine of `count` GPUs: the first `count` entries of the inherited
 * `CUDA_VISIBLE_DEVICES` when it is set (it restricts and names the set: with
 * "2,3" workers get "2" or "3", never "0"), else "0" to `count - 1`.
 */
export function visibleGpus(
	count: number,
	inherited: string | undefined = process.env.CUDA_VISIBLE_DEVICES,
): string[] {
	if (inherited === undefined) return Array.from({ length: count }, (_, i) => String(i));
	return parseVisibleDevices(inherited, Number.POSITIVE_INFINITY).slice(0, count);
}

/**
 * The entries of a `CUDA_VISIBLE_DEVICES` value (all `installed` GPUs when
 * unset). Like CUDA, the list ends at its first invalid entry: an empty or
 * negative one, or an index past the installed GPUs.
 */
export function parseVisibleDevices(value: string | undefined, installed: number): string[] {
	if (value === undefined) {
		return Array.from({ length: Number.isFinite(installed) ? installed : 0 }, (_, i) => String(i));
	}
	const devices: string[] = [];
	for (const raw of value.split(",")) {
		const entry = raw.trim();
		const index = /^\d+$/.test(entry) ? Number(entry) : undefined;
		const valid = index === undefined ? /^(GPU|MIG)-/.test(entry) : index < installed;
		if (!valid || devices.includes(entry)) break;
		devices.push(entry);
	}
	return devices;
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
