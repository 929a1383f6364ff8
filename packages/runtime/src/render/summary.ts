import {
	ledgerProblems,
	type RunLedger,
	type RunSummary,
	type StageSummary,
	type TaskFailure,
} from "@curator/core";
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
	/** Where every task went, stage by stage (core's `RunLedger`). */
	ledger: RunLedger;
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
		ledger: summary.ledger,
	};
	if (summary.error !== undefined) report.error = summary.error;
	return report;
}

/** A column of the summary table: its header and its cell for one stage. */
type Column = [header: string, cell: (stage: StageReport) => string];

const countColumns: Column[] = [
	["tasks in", (s) => formatCount(s.tasksIn)],
	["tasks out", (s) => formatCount(s.tasksOut)],
];

// Shown only when some stage has any, so the usual table stays narrow.
const settlementColumns: Column[] = [
	["filtered", (s) => formatCount(s.filteredTasks)],
	["failed", (s) => formatCount(s.failedTasks)],
];

const figureColumns: Column[] = [
	["items in", (s) => formatCount(s.itemsIn)],
	["items out", (s) => formatCount(s.itemsOut)],
	["workers", (s) => String(s.workers)],
	["process s", (s) => formatSeconds(s.processTimeS)],
	["mean s/batch", (s) => formatSeconds(s.meanProcessTimeS)],
	["idle s", (s) => formatSeconds(s.idleTimeS)],
	[
		"metrics",
		(s) =>
			Object.entries(s.customMetrics)
				.map(([key, value]) => `${key}=${formatMetric(value)}`)
				.join(" "),
	],
];

/**
 * The per-stage summary table printed at the end of a run; the filtered and
 * failed columns appear when some stage filtered or failed tasks.
 */
export function formatSummaryTable(report: RunReport): string {
	const settled = report.stages.some((s) => s.filteredTasks > 0 || s.failedTasks > 0);
	const columns = [...countColumns, ...(settled ? settlementColumns : []), ...figureColumns];
	const headers = ["stage", ...columns.map(([header]) => header)];
	const rows = report.stages.map((s) => [s.stage, ...columns.map(([, cell]) => cell(s))]);
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
	return [head, formatTable(headers, rows, align), ...ledgerLines(report), ...failures].join("\n");
}

/** Nothing when every task is accounted for; else what is not, stage by stage. */
function ledgerLines(report: RunReport): string[] {
	// A run stopped before any batch (a pre-flight refusal) has nothing in flight to tell of.
	const started = report.stages.some((s) => s.batches > 0 || s.failedTasks > 0);
	const problems = started ? ledgerProblems(report.ledger) : [];
	if (problems.length === 0) return [];
	const what = report.ok ? "tasks unaccounted for" : "tasks not settled when the run stopped";
	return [`${what}:`, ...problems.map((line) => `  ${line}`)];
}
