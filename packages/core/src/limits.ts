import { BARRIER_BATCH_SIZE } from "./order.ts";

/**
 * Whether a count limit (a batch size, a queue bound) means "no limit":
 * infinite, or at least {@link BARRIER_BATCH_SIZE}, which no queue could
 * hold. Such limits are sentinels (`Number.MAX_SAFE_INTEGER`, a multiple of
 * it) that people should never be shown as numbers.
 */
export function isUnboundedCount(limit: number): boolean {
	return !Number.isFinite(limit) || limit >= BARRIER_BATCH_SIZE;
}

/** A batch size as people read it: `"all tasks"` for a barrier's, else the number. */
export function describeBatchSize(size: number): string {
	return isUnboundedCount(size) ? "all tasks" : String(size);
}

/** A count limit as people read it: `"unbounded"`, or the number and its unit (`"64 tasks"`). */
export function describeCountLimit(limit: number, unit: string): string {
	return isUnboundedCount(limit) ? "unbounded" : `${limit} ${unit}`;
}
