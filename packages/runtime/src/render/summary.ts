import {
	ledgerProblems,
	type RunLedger,
	type RunSummary,
	type StageSummary,
	type TaskFailure,
} from "@curator/core";
import {
	formatCount,
	formatMetric,
	formatSeconds,
	formatTable,
	truncate,
	wrapText,
} from "./format.ts";

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
	/**
	 * What the run published, when its front end knows (the CLI reads the
	 * output folder's manifest): the headline then counts documents written.
	 */
	output?: RunOutput;
	stages: StageReport[];
	failures: TaskFailure[];
	/** Where every task went, stage by stage (core's `RunLedger`). */
	ledger: RunLedger;
}

/** What a run wrote to its output folder (from the folder's manifest). */
export interface RunOutput {
	/** The folder as the user named it (e.g. `./curator-out`). */
	folder: string;
	/** Rows (documents) this run wrote. */
	rows: number;
	/** Data files this run wrote. */
	files: number;
}

/** Options of {@link formatSummaryTable}. */
export interface SummaryTableOptions {
	/**
	 * The terminal's width: columns are dropped, least telling first, and
	 * long lines wrapped, so that no line is this wide. Default: no limit.
	 */
	width?: number;
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

// On a narrow terminal these go first, in this order; the stage and item counts stay.
const dropOrder = ["metrics", "idle s", "mean s/batch", "workers", "tasks in", "process s"];

/**
 * The per-stage summary printed at the end of a run: a headline (what the
 * run wrote, or its items out), a table per stage, and what did not settle.
 * The filtered and failed columns appear when some stage filtered or failed
 * tasks. With a `width`, nothing is that wide (see {@link SummaryTableOptions}).
 */
export function formatSummaryTable(report: RunReport, options: SummaryTableOptions = {}): string {
	const width = options.width ?? Number.POSITIVE_INFINITY;
	const limit = Math.max(20, width - 1);
	const wrap = (line: string): string[] => (width === Infinity ? [line] : wrapText(line, limit));
	const after = [...ledgerLines(report), ...failureLines(report)].flatMap(wrap);
	return [...wrap(headline(report)), fittedTable(report, limit), ...after].join("\n");
}

/** The run in one line: status, time, and what it wrote (or its items out). */
function headline(report: RunReport): string {
	const status = report.ok ? "done" : `failed: ${report.error ?? "unknown error"}`;
	const what =
		report.output === undefined
			? `${formatCount(report.outputItems)} items out`
			: `${formatCount(report.output.rows)} documents written to ${report.output.folder} (${formatCount(report.output.files)} file${report.output.files === 1 ? "" : "s"})`;
	return `pipeline "${report.pipeline}" on ${report.backend}: ${status} in ${formatSeconds(report.wallTimeS)} s, ${what}`;
}

/** The stage table, without the columns that would make it as wide as `limit`. */
function fittedTable(report: RunReport, limit: number): string {
	const settled = report.stages.some((s) => s.filteredTasks > 0 || s.failedTasks > 0);
	let columns = [...countColumns, ...(settled ? settlementColumns : []), ...figureColumns];
	const render = (): string => {
		const headers = ["stage", ...columns.map(([header]) => header)];
		const rows = report.stages.map((s) => [s.stage, ...columns.map(([, cell]) => cell(s))]);
		const last = headers.length - 1;
		const align = headers.map((_, c) =>
			c === 0 || (c === last && headers[c] === "metrics") ? "left" : "right",
		);
		return formatTable(headers, rows, align);
	};
	let table = render();
	for (const drop of dropOrder) {
		if (widest(table) <= limit) break;
		columns = columns.filter(([header]) => header !== drop);
		table = render();
	}
	if (widest(table) <= limit) return table;
	return table
		.split("\n")
		.map((line) => truncate(line, limit))
		.join("\n");
}

function widest(text: string): number {
	return Math.max(...text.split("\n").map((line) => line.length));
}

function failureLines(report: RunReport): string[] {
	return report.failures.length === 0
		? []
		: [
				`${report.failures.length} recorded failure(s):`,
				...report.failures.map(
					(f) =>
						`  ${f.stage} [${f.taskIds.join(", ")}] after ${f.attempts} attempt(s): ${f.error}`,
				),
			];
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
