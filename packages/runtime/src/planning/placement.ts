import { EPSILON, type GpuHold, GpuLedger } from "./gpu-ledger.ts";

/** One place for one GPU worker: its devices, from the visible set. */
export interface GpuSeat {
	/** Position in the pool's seat list (stable: a replacement worker takes the same seat). */
	readonly index: number;
	/** `CUDA_VISIBLE_DEVICES` entries of the worker, as named in the visible set. */
	readonly devices: readonly string[];
}

/**
 * How many workers asking for `gpusPerWorker` GPUs each fit on `deviceCount`
 * devices: whole GPUs side by side, fractions sharing a device only as far as
 * they add up to at most one (two 0.5 workers per device, never three).
 */
export function gpuCapacity(deviceCount: number, gpusPerWorker: number): number {
	if (gpusPerWorker <= 0) return Number.POSITIVE_INFINITY;
	if (gpusPerWorker >= 1) return Math.floor(deviceCount / Math.ceil(gpusPerWorker - EPSILON));
	return deviceCount * Math.floor(1 / gpusPerWorker + EPSILON);
}

/**
 * The seats of a pool of GPU workers on `devices` (the visible set), in the
 * order they are handed out. Fractional workers are spread over the devices
 * before any device is shared (seat i on device i mod n); whole-GPU workers
 * get consecutive devices.
 */
export function gpuSeats(devices: readonly string[], gpusPerWorker: number): GpuSeat[] {
	const count = gpuCapacity(devices.length, gpusPerWorker);
	if (!Number.isFinite(count)) return [];
	const seats: GpuSeat[] = [];
	if (gpusPerWorker >= 1) {
		const width = Math.ceil(gpusPerWorker - EPSILON);
		for (let index = 0; index < count; index++) {
			seats.push({ index, devices: devices.slice(index * width, (index + 1) * width) });
		}
		return seats;
	}
	for (let index = 0; index < count; index++) {
		seats.push({ index, devices: [devices[index % devices.length] as string] });
	}
	return seats;
}

/** Where a {@link GpuPlacement} places its workers, when not on every visible device alone. */
export interface GpuShare {
	/** The pool's seats (its share of the devices; see `splitGpus`). Default: `gpuSeats` of every device. */
	seats?: readonly GpuSeat[];
	/**
	 * The run-wide account of the devices, shared by every pool of a run; a
	 * seat is taken only when it has room there. Default: one of the pool's own.
	 */
	ledger?: GpuLedger;
}

/**
 * The free-seat list of one pool of GPU workers. A worker takes the lowest
 * free seat that has room in the run's {@link GpuLedger} when it starts and
 * gives it back when it leaves the pool (exit, recycling, failed setup), so
 * live workers of all the run's pools never hold more than their fraction of
 * a device, and every device handed out is in the visible set.
 * A worker replacing another is handed the seat directly (see the pool), so
 * the seat count, not a spawn counter, bounds what is handed out.
 */
export class GpuPlacement {
	readonly #seats: readonly GpuSeat[];
	readonly #gpusPerWorker: number;
	readonly #ledger: GpuLedger;
	readonly #taken = new Map<number, GpuHold>();

	/** Seats for workers of `gpusPerWorker` GPUs (> 0) on the visible `devices`. */
	constructor(devices: readonly string[], gpusPerWorker: number, share: GpuShare = {}) {
		this.#seats = share.seats ?? gpuSeats(devices, gpusPerWorker);
		this.#gpusPerWorker = gpusPerWorker;
		this.#ledger = share.ledger ?? new GpuLedger(devices);
	}

	/** How many workers can hold a seat at once. */
	get capacity(): number {
		return this.#seats.length;
	}

	/** Seats free now. */
	get free(): number {
		return this.#seats.length - this.#taken.size;
	}

	/** The lowest free seat with room in the ledger, or `undefined` when there is none. */
	take(): GpuSeat | undefined {
		for (const seat of this.#seats) {
			if (this.#taken.has(seat.index)) continue;
			const hold = this.#ledger.take(seat.devices, this.#gpusPerWorker);
			if (hold === undefined) continue;
			this.#taken.set(seat.index, hold);
			return seat;
		}
		return undefined;
	}

	/** Gives `seat` back (a second call for the same seat is a no-op). */
	give(seat: GpuSeat): void {
		const hold = this.#taken.get(seat.index);
		if (hold === undefined) return;
		this.#taken.delete(seat.index);
		this.#ledger.give(hold);
	}
}

/**
 * Device numbers for `WorkerAllocation.gpus`: the entries as numbers when they
 * are indexes, else their position in `visible` (UUID entries).
 */
export function deviceNumbers(seat: GpuSeat, visible: readonly string[]): number[] {
	return seat.devices.map((device) =>
		/^\d+$/.test(device) ? Number(device) : visible.indexOf(device),
	);
}
