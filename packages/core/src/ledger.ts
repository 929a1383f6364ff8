import type { StageSummary } from "./summary.ts";

/**
 * Where every task handed to one stage went. A task handed to a stage is
 * settled once the stage produced outputs from it (`passed`), produced
 * nothing from it (`filtered`), or recorded it as failed (`failed`, with
 * `ignoreFailures`); `out` counts the outputs, more than `passed` when the
 * stage fans out. `unsettled` is what is left: zero in a finished run, the
 * tasks still in flight (or lost) in a run that stopped.
 */
export interface StageLedger {
	stage: string;
	/** The previous stage's outputs; for the first stage, the run's initial tasks. */
	handed: number;
	passed: number;
	filtered: number;
	failed: number;
	out: number;
	/** `handed - passed - filtered - failed`. */
	unsettled: number;
}

/** The ledger of a run: one {@link StageLedger} per stage, in pipeline order. */
export interface RunLedger {
	stages: StageLedger[];
	/** Whether every task handed to every stage is settled. */
	balanced: boolean;
}

/**
 * The ledger of a run from its stage summaries (in pipeline order) and its
 * number of initial tasks: each stage is handed what the one before it put
 * out. Stages run as a fused chain or in another process count the same way,
 * because every backend reports each batch's ids and failures alike.
 */
export function runLedger(stages: readonly StageSummary[], initialTasks: number): RunLedger {
	let handed = initialTasks;
	const rows: StageLedger[] = [];
	for (const stage of stages) {
		const passed = stage.tasksIn - stage.filteredTasks;
		const settled = stage.tasksIn + stage.failedTasks;
		rows.push({
			stage: stage.stage,
			handed,
			passed,
			filtered: stage.filteredTasks,
			failed: stage.failedTasks,
			out: stage.tasksOut,
			unsettled: handed - settled,
		});
		handed = stage.tasksOut;
	}
	return { stages: rows, balanced: rows.every((row) => row.unsettled === 0) };
}

/** One line per unbalanced stage, naming what is unaccounted for; empty when balanced. */
export function ledgerProblems(ledger: RunLedger): string[] {
	return ledger.stages
		.filter((row) => row.unsettled !== 0)
		.map(
			(row) =>
				`stage "${row.stage}": ${row.handed} task(s) handed, ${row.passed} passed + ${row.filtered} filtered + ${row.failed} failed: ${row.unsettled} unsettled`,
		);
}
