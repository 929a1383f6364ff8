import { CuratorError, ErrorCodes } from "@curator/core";
import { EPSILON, GpuLedger } from "./gpu-ledger.ts";
import type { GpuSeat } from "./placement.ts";

/** A pool of GPU workers that runs at the same time as the others given with it. */
export interface GpuPoolRequest {
	/** The pool's name (its stage), as errors name it. */
	name: string;
	/** GPUs per worker (> 0). */
	gpusPerWorker: number;
	/** Workers it would have with the visible GPUs to itself. */
	maxWorkers: number;
}

/**
 * Splits the visible `devices` among GPU pools that run at the same time:
 * each gets its own seats (its share), and the shares together never put
 * more than one GPU's worth of workers on a device. Every pool gets one seat
 * first (the largest requests placed first, fractions packed, so that every
 * pool fits whenever this simple packing can fit them); then the pools take
 * one more seat each in turn, fractions spread over the devices, until each
 * has `maxWorkers` or nothing is left: no pool can take every seat and starve
 * another. With one pool, its seats are those of `gpuSeats`, in that order.
 *
 * Throws `CURATOR_UNSATISFIABLE_RESOURCES`, prefixed with `backend`, naming
 * the pools and what they need, when one of them cannot get a single seat.
 */
export function splitGpus(
	devices: readonly string[],
	requests: readonly GpuPoolRequest[],
	backend: string,
): GpuSeat[][] {
	const ledger = new GpuLedger(devices);
	const shares: GpuSeat[][] = requests.map(() => []);
	const take = (position: number, fit: "pack" | "spread"): boolean => {
		const { gpusPerWorker } = requests[position] as GpuPoolRequest;
		const found = ledger.find(gpusPerWorker, fit);
		if (found === undefined) return false;
		ledger.take(found, gpusPerWorker);
		const share = shares[position] as GpuSeat[];
		share.push({ index: share.length, devices: found });
		return true;
	};
	const largestFirst = requests
		.map((_, position) => position)
		.sort((a, b) => perWorker(requests[b]) - perWorker(requests[a]));
	for (const position of largestFirst) {
		if (!take(position, "pack")) throw noRoom(devices, requests, backend);
	}
	let growing = requests.map((_, position) => position);
	while (growing.length > 0) {
		growing = growing.filter((position) => {
			const request = requests[position] as GpuPoolRequest;
			return (
				(shares[position] as GpuSeat[]).length < request.maxWorkers && take(position, "spread")
			);
		});
	}
	return shares;
}

/** The devices one worker asks for, as a size to sort by (a 1.5-GPU worker is given two). */
function perWorker(request: GpuPoolRequest | undefined): number {
	const gpus = request?.gpusPerWorker ?? 0;
	return gpus >= 1 ? Math.ceil(gpus - EPSILON) : gpus;
}

function noRoom(
	devices: readonly string[],
	requests: readonly GpuPoolRequest[],
	backend: string,
): CuratorError {
	const asked = requests.map((r) => `"${r.name}" (${r.gpusPerWorker} GPU(s) per worker)`);
	const together = requests.length > 1 ? "run at the same time and " : "";
	return new CuratorError(
		ErrorCodes.unsatisfiableResources,
		`${backend}: GPU stage(s) ${asked.join(", ")} ${together}cannot each get one worker on the visible GPUs [${devices.join(",")}]`,
	);
}
