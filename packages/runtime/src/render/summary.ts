import type { RunSummary, StageSummary, TaskFailure } from "@curator/core";
import { formatCount, formatMetric, formatSeconds, formatTable } from "./format.ts";

/** One stage of a {@link RunReport}: the stage summary with its perf record flattened. */
export interface StageReport extends Omit<StageSummary, "perf"> {
	/** Summed time spent in the stage's batch calls. */
	processTimeS: number;
	/** Mean time of one batch call. */
	meanProcessTimeS: number;
	/** Mean time per input item. */
	perItemTimeS: number;
	/** Summed time workers waited between batches. */
	idleTimeS: number;
	customMetrics: Record<string, number>;
}

/** What `--json` prints: one object describing the whole run. */
export interface RunReport {
	pipeline: string;
	backend: string;
	ok: boolean;
	error?: string;
	wallTimeS: number;
	/** Items out of the last stage. */
	outputItems: number;
	stages: StageReport[];
	failures: TaskFailure[];
}

/** Flattens one stage summary. */
export function stageReport(stage: StageSummary): StageReport {
	const { perf, ...counts } = stage;
	return {
		...counts,
		processTimeS: perf.processTimeS,
		meanProcessTimeS: stage.batches > 0 ? perf.processTimeS / stage.batches : 0,
		perItemTimeS: perf.perItemTimeS,
		idleTimeS: perf.idleTimeS,
		customMetrics: { ...perf.customMetrics },
	};
}

/** Builds the report of a run from its summary (and failures, when known). */
export function runReport(
	pipeline: string,
	summary: RunSummary,
	failures: readonly TaskFailure[] = [],
): RunReport {
	const stages = summary.stages.map(stageReport);
	const report: RunReport = {
		pipeline,
		backend: summary.backend,
		ok: summary.ok,
		wallTimeS: summary.wallTimeS,
		outputItems: stages.at(-1)?.itemsOut ?? 0,
		stages,
		failures: [...failures],
	};
	if (summary.error !== undefined) report.error = summary.error;
	return report;
}

/** The per-stage summary table printed at the end of a run. */
export function formatSummaryTable(report: RunReport): string {
	const headers = [
		"stage",
		"tasks in",
		"tasks out",
		"items in",
		"items out",
		"workers",
		"process s",
		"mean s/batch",
		"idle s",
		"metrics",
	];
	const rows = report.stages.map((s) => [
		s.stage,
		formatCount(s.tasksIn),
		formatCount(s.tasksOut),
		formatCount(s.itemsIn),
		formatCount(s.itemsOut),
		String(s.workers),
		formatSeconds(s.processTimeS),
		formatSeconds(s.meanProcessTimeS),
		formatSeconds(s.idleTimeS),
		Object.entries(s.customMetrics)
			.map(([key, value]) => `${key}=${formatMetric(value)}`)
			.join(" "),
	]);
	const align = headers.map((_, c) => (c === 0 || c === headers.length - 1 ? "left" : "right"));
	const status = report.ok ? "done" : `failed: ${report.error ?? "unknown error"}`;
	const head = `pipeline "${report.pipeline}" on ${report.backend}: ${status} in ${formatSeconds(report.wallTimeS)} s, ${formatCount(report.outputItems)} items out`;
	const failures =
		report.failures.length === 0
			? []
			: [
					`${report.failures.length} recorded failure(s):`,
					...report.failures.map(
						(f) =>
							`  ${f.stage} [${f.taskIds.join(", ")}] after ${f.attempts} attempt(s): ${f.error}`,
					),
				];
	return [head, formatTable(headers, rows, align), ...failures].join("\n");
}
