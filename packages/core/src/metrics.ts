import { emptyPerfStats, type StagePerfStats, sumPerfStats } from "./perf.ts";
import type { Task } from "./task.ts";

/**
 * Aggregates the perf records carried by a run's output tasks, per stage, in
 * pipeline order. A batch's record is appended to each task it produced; it is
 * counted once (by `batchId`), so the totals are those of the batches whose
 * work reached the outputs.
 */
export function aggregateStageMetrics(tasks: readonly Task[]): StagePerfStats[] {
	const totals = new Map<string, StagePerfStats>();
	const seen = new Set<string>();
	for (const task of tasks) {
		for (const stats of task.stagePerf) {
			const key = `${stats.stageName}\u0000${stats.batchId}`;
			if (stats.batchId !== "" && seen.has(key)) continue;
			seen.add(key);
			const total = totals.get(stats.stageName) ?? emptyPerfStats(stats.stageName);
			totals.set(stats.stageName, sumPerfStats(total, stats));
		}
	}
	return [...totals.values()];
}
