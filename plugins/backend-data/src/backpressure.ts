import type { Task } from "@curator/core";

/** What the admission rule looks at, for a producer operator and its consumer. */
export interface Occupancy {
	/** Tasks the producer made that the consumer has not taken: its queue plus outputs held for ordering. */
	tasks: number;
	/** Estimated bytes of those tasks. */
	bytes: number;
	/** Producer calls running. */
	inFlight: number;
	/** Largest output of one producer call so far (its batch size before the first one returns). */
	tasksPerCall: number;
	/** Largest estimated output size of one producer call so far. */
	bytesPerCall: number;
	/** Whether the consumer can already form a batch from its queue. */
	consumerHasBatch: boolean;
	/** Whether a producer call has returned yet (the per-call estimates are measured, not guessed). */
	calibrated: boolean;
}

/** The consumer's queue bound. */
export interface QueueBound {
	maxTasks: number;
	maxBytes: number;
}

/** The verdict: dispatch, or wait and why (`calibrating`: the first call has not returned yet). */
export type Admission =
	| { admit: true }
	| { admit: false; reason: "tasks" | "bytes" | "calibrating" };

const admitted: Admission = { admit: true };

/**
 * Whether the producer may start one more call. Each running call reserves
 * room for the largest output seen so far, so a queue fed by calls that
 * return at most that many tasks never exceeds its bound; until the first
 * call returns, it runs alone (its output size is not known yet). One
 * exception keeps the flow from stalling: with nothing running and no full
 * batch waiting downstream, one call always goes (a call larger than the
 * bound then overshoots it by its own output, once).
 */
export function admit(occupancy: Occupancy, bound: QueueBound): Admission {
	const calls = occupancy.inFlight + 1;
	// An unbounded queue (a barrier's) admits everything: no need to measure calls first.
	if (bound.maxTasks === Number.POSITIVE_INFINITY && bound.maxBytes === Number.POSITIVE_INFINITY)
		return admitted;
	if (!occupancy.calibrated && occupancy.inFlight > 0)
		return { admit: false, reason: "calibrating" };
	let reason: "tasks" | "bytes" | undefined;
	if (occupancy.tasks + calls * occupancy.tasksPerCall > bound.maxTasks) reason = "tasks";
	else if (occupancy.bytes + calls * occupancy.bytesPerCall > bound.maxBytes) reason = "bytes";
	if (reason === undefined) return admitted;
	if (occupancy.inFlight === 0 && !occupancy.consumerHasBatch) return admitted;
	return { admit: false, reason };
}

/**
 * Estimated in-memory size of a task's data and metadata in bytes: string
 * lengths, buffer sizes, 8 per number, a little per object. Cheap enough to
 * run on every task crossing an operator boundary.
 */
export function taskBytes(task: Task): number {
	return 64 + approxBytes(task.data, 0) + approxBytes(task.metadata, 0);
}

function approxBytes(value: unknown, depth: number): number {
	switch (typeof value) {
		case "string":
			return value.length;
		case "number":
		case "bigint":
			return 8;
		case "boolean":
			return 4;
		case "object":
			break;
		default:
			return 0;
	}
	if (value === null) return 0;
	if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength;
	if (depth > 8) return 64;
	let sum = 16;
	if (Array.isArray(value) || value instanceof Set) {
		for (const item of value) sum += approxBytes(item, depth + 1);
	} else if (value instanceof Map) {
		for (const [key, item] of value)
			sum += approxBytes(key, depth + 1) + approxBytes(item, depth + 1);
	} else {
		for (const [key, item] of Object.entries(value))
			sum += key.length + approxBytes(item, depth + 1);
	}
	return sum;
}
