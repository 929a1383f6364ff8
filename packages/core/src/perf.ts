/**
 * Performance record of one stage call, appended to every task the call
 * produced. Plain data so it travels between processes unchanged.
 */
export interface StagePerfStats {
	/** Stage name. */
	stageName: string;
	/** Identifies the batch call that produced this record (first input task id). */
	batchId: string;
	/** Wall time of the whole batch call, in seconds. */
	processTimeS: number;
	/** Time the worker waited for this batch since its previous one (or since setup), in seconds. */
	idleTimeS: number;
	/** Serialized size of the batch's input tasks, in bytes (0 when unknown). */
	inputSizeBytes: number;
	/** Items (rows, documents, ...) in the batch's input tasks. */
	numItemsProcessed: number;
	/** Input tasks in the batch. */
	numTasksProcessed: number;
	/** Mean time per input item, in seconds. */
	perItemTimeS: number;
	/** Metrics the stage logged during the call (`logMetric`, `timeMetric`). */
	customMetrics: Record<string, number>;
}

/** Whether two perf histories hold the same records (by identity), in the same order. */
export function sameRecords(a: readonly unknown[], b: readonly unknown[]): boolean {
	if (a === b) return true;
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

/** A zero record for `stageName`, the identity of {@link sumPerfStats}. */
export function emptyPerfStats(stageName: string): StagePerfStats {
	return {
		stageName,
		batchId: "",
		processTimeS: 0,
		idleTimeS: 0,
		inputSizeBytes: 0,
		numItemsProcessed: 0,
		numTasksProcessed: 0,
		perItemTimeS: 0,
		customMetrics: {},
	};
}

/** Sums two records of the same stage (custom metrics are summed key by key). */
export function sumPerfStats(a: StagePerfStats, b: StagePerfStats): StagePerfStats {
	const customMetrics = { ...a.customMetrics };
	for (const [key, value] of Object.entries(b.customMetrics)) {
		customMetrics[key] = (customMetrics[key] ?? 0) + value;
	}
	const numItemsProcessed = a.numItemsProcessed + b.numItemsProcessed;
	const processTimeS = a.processTimeS + b.processTimeS;
	return {
		stageName: a.stageName || b.stageName,
		batchId: "",
		processTimeS,
		idleTimeS: a.idleTimeS + b.idleTimeS,
		inputSizeBytes: a.inputSizeBytes + b.inputSizeBytes,
		numItemsProcessed,
		numTasksProcessed: a.numTasksProcessed + b.numTasksProcessed,
		perItemTimeS: numItemsProcessed > 0 ? processTimeS / numItemsProcessed : 0,
		customMetrics,
	};
}

/**
 * Flattens a record into one level of numeric items; custom metrics get the
 * `custom.` prefix so they cannot clash with built-in names.
 */
export function flattenPerfStats(stats: StagePerfStats): Record<string, number> {
	const flat: Record<string, number> = {
		processTimeS: stats.processTimeS,
		idleTimeS: stats.idleTimeS,
		inputSizeBytes: stats.inputSizeBytes,
		numItemsProcessed: stats.numItemsProcessed,
		numTasksProcessed: stats.numTasksProcessed,
		perItemTimeS: stats.perItemTimeS,
	};
	for (const [key, value] of Object.entries(stats.customMetrics)) flat[`custom.${key}`] = value;
	return flat;
}
