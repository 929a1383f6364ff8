import {
	CuratorError,
	ErrorCodes,
	type MachineResources,
	type ProcessingStage,
} from "@curator/core";
import { assertFitsMachine, visibleGpus } from "../machine.ts";
import type { WorkerResources } from "../pool/options.ts";
import { gpuCapacity } from "./placement.ts";

/** What one worker of a stage is given, and how many such workers the machine holds at once. */
export interface StageSizing {
	/** Its cpus, its GPUs, and the visible devices GPU workers are placed on (none for a CPU stage). */
	resources: WorkerResources;
	/** Workers that fit the machine at once (at least 1): see {@link workersThatFit}. */
	fit: number;
}

/**
 * How many workers of `cpus` and `gpus` each fit `machine` at once: its
 * cores / `cpus`, and for GPU workers those that fit on the visible
 * `devices` (`gpuCapacity`: two 0.5-GPU workers per device, never three).
 * A backend bounds a pool's size by this, beside its own limits.
 */
export function workersThatFit(
	{ cpus, gpus }: { cpus: number; gpus: number },
	machine: MachineResources,
	devices: readonly string[] = gpus > 0 ? visibleGpus(machine.gpus) : [],
): number {
	const onCores = cpus > 0 ? Math.floor(machine.cpus / cpus) : Number.POSITIVE_INFINITY;
	return Math.min(onCores, gpuCapacity(devices.length, gpus));
}

/**
 * Sizes the workers of `stage` on `machine`: what each is given (its GPU
 * fraction resolved from `gpuMemoryGb` by the machine's GPU memory) and how
 * many fit at once. Throws `CURATOR_UNSATISFIABLE_RESOURCES`, prefixed with
 * `backend`, when not even one fits: more cpus or GPUs than the machine has
 * (`assertFitsMachine`), or more GPUs than the visible set holds.
 */
export function sizeStage(
	stage: ProcessingStage,
	machine: MachineResources,
	backend: string,
): StageSizing {
	assertFitsMachine(stage, machine, backend);
	const { cpus } = stage.resources;
	const gpus = stage.resources.gpuFraction(machine.gpuMemoryGb);
	const devices = gpus > 0 ? visibleGpus(machine.gpus) : [];
	const fit = workersThatFit({ cpus, gpus }, machine, devices);
	if (fit < 1) {
		throw new CuratorError(
			ErrorCodes.unsatisfiableResources,
			`${backend}: stage "${stage.name}" needs ${gpus} GPU(s) per worker; the visible GPUs are [${devices.join(",")}]`,
		);
	}
	return { resources: { cpus, gpus, devices }, fit };
}
