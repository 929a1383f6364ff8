/** Slack of GPU share sums: 1 / 0.1 is 9.999... in floating point, and ten workers of a tenth fit a device. */
export const EPSILON = 1e-9;

/** What one worker holds in a {@link GpuLedger}: given back with {@link GpuLedger.give}. */
export interface GpuHold {
	readonly devices: readonly string[];
	/** Share of each of its devices (1 for whole-GPU workers). */
	readonly load: number;
}

/** How {@link GpuLedger.find} picks the device of a fractional worker. */
export type FractionFit = "pack" | "spread";

/**
 * Share of each of its devices that a worker of `gpusPerWorker` GPUs holds:
 * a fraction shares its one device, a whole-GPU worker (1.5 included: it is
 * given two devices) holds each of its devices entirely.
 */
export function deviceLoad(gpusPerWorker: number): number {
	return gpusPerWorker >= 1 ? 1 : gpusPerWorker;
}

/**
 * The run-wide account of the visible GPUs: how much of each device the live
 * workers of every pool of a run hold. A worker's seat is taken from it only
 * while every device of the seat has room for the worker's share, so live
 * workers of different pools never share a device beyond their fractions,
 * and a device outside the visible set is never handed out.
 */
export class GpuLedger {
	/** The visible GPUs, as `CUDA_VISIBLE_DEVICES` entries. */
	readonly devices: readonly string[];
	readonly #holds = new Map<string, Set<GpuHold>>();

	constructor(devices: readonly string[]) {
		this.devices = [...devices];
		for (const device of devices) this.#holds.set(device, new Set());
	}

	/** Share of `device` nobody holds (0 for a device outside the visible set). */
	free(device: string): number {
		const holds = this.#holds.get(device);
		if (holds === undefined) return 0;
		// Summed from the holds, not kept as a running total: no drift however often seats change hands.
		let used = 0;
		for (const hold of holds) used += hold.load;
		return 1 - used;
	}

	/** Whether a worker of `gpusPerWorker` GPUs fits on `devices` now. */
	fits(devices: readonly string[], gpusPerWorker: number): boolean {
		const load = deviceLoad(gpusPerWorker);
		return devices.length > 0 && devices.every((device) => this.free(device) + EPSILON >= load);
	}

	/** Holds `devices` for a worker of `gpusPerWorker` GPUs, or `undefined` when they have no room. */
	take(devices: readonly string[], gpusPerWorker: number): GpuHold | undefined {
		if (!this.fits(devices, gpusPerWorker)) return undefined;
		const hold: GpuHold = { devices: [...devices], load: deviceLoad(gpusPerWorker) };
		for (const device of devices) this.#holds.get(device)?.add(hold);
		return hold;
	}

	/** Gives `hold` back (a second call for the same hold is a no-op). */
	give(hold: GpuHold): void {
		for (const device of hold.devices) this.#holds.get(device)?.delete(hold);
	}

	/**
	 * Devices with room for one more worker of `gpusPerWorker` GPUs, or
	 * `undefined`: whole-GPU workers get the first free devices in visible
	 * order; a fraction goes to the device with the least room that fits
	 * (`pack`) or the most (`spread`), the first in visible order on a tie.
	 */
	find(gpusPerWorker: number, fit: FractionFit): string[] | undefined {
		if (gpusPerWorker >= 1) {
			const width = Math.ceil(gpusPerWorker - EPSILON);
			const free = this.devices.filter((device) => this.free(device) + EPSILON >= 1);
			return free.length >= width ? free.slice(0, width) : undefined;
		}
		let best: string | undefined;
		for (const device of this.devices) {
			const room = this.free(device);
			if (room + EPSILON < gpusPerWorker) continue;
			const bestRoom = best === undefined ? undefined : this.free(best);
			const better =
				bestRoom === undefined ||
				(fit === "pack" ? room < bestRoom - EPSILON : room > bestRoom + EPSILON);
			if (better) best = device;
		}
		return best === undefined ? undefined : [best];
	}
}
