import type { RunEvent } from "./events.ts";
import { type RunLedger, runLedger } from "./ledger.ts";
import { emptyPerfStats, type StagePerfStats, sumPerfStats } from "./perf.ts";

/** Totals of one stage over a run. */
export interface StageSummary {
	stage: string;
	batches: number;
	/** Inputs of the stage's finished batch calls (failed ones are in `failedTasks`). */
	tasksIn: number;
	tasksOut: number;
	/** Inputs that produced no output. */
	filteredTasks: number;
	itemsIn: number;
	itemsOut: number;
	workers: number;
	retries: number;
	failedTasks: number;
	/** Summed perf records of every batch (process and idle time, custom metrics). */
	perf: StagePerfStats;
}

/** What a run did, stage by stage, drawn from its events. */
export interface RunSummary {
	backend: string;
	ok: boolean;
	error?: string;
	wallTimeS: number;
	stages: StageSummary[];
	/** Where every task went, stage by stage (see `RunLedger`). */
	ledger: RunLedger;
}

/** Folds run events into a {@link RunSummary}. */
export class RunSummaryBuilder {
	#backend = "";
	#ok = false;
	#error: string | undefined;
	#started = performance.now();
	#ended: number | undefined;
	#stages = new Map<string, StageSummary>();
	#initialTasks = 0;
	#workers = new Map<string, Set<string>>();

	/** Takes one event into account. */
	add(event: RunEvent): void {
		switch (event.type) {
			case "run:start":
				this.#backend = event.backend;
				this.#started = performance.now();
				this.#initialTasks = event.tasks ?? 0;
				for (const stage of event.stages) this.#stage(stage);
				break;
			case "worker:start":
				this.#workerSet(event.stage).add(event.workerId);
				break;
			case "batch:done": {
				const s = this.#stage(event.stage);
				s.batches += 1;
				s.tasksIn += event.tasksIn;
				s.tasksOut += event.tasksOut;
				s.filteredTasks += event.filteredIds.length;
				s.itemsIn += event.itemsIn;
				s.itemsOut += event.itemsOut;
				s.perf = sumPerfStats(s.perf, event.perf);
				this.#workerSet(event.stage).add(event.workerId);
				break;
			}
			case "retry":
				this.#stage(event.stage).retries += 1;
				break;
			case "task:failed":
				this.#stage(event.failure.stage).failedTasks += event.failure.taskIds.length;
				break;
			case "run:end":
				this.#ok = event.ok;
				this.#error = event.error;
				this.#ended = performance.now();
				break;
			default:
				break;
		}
	}

	/** The summary so far. */
	build(): RunSummary {
		const end = this.#ended ?? performance.now();
		const stages = [...this.#stages.values()].map((s) => ({
			...s,
			workers: this.#workerSet(s.stage).size,
		}));
		const summary: RunSummary = {
			backend: this.#backend,
			ok: this.#ok,
			wallTimeS: (end - this.#started) / 1000,
			stages,
			ledger: runLedger(stages, this.#initialTasks),
		};
		if (this.#error !== undefined) summary.error = this.#error;
		return summary;
	}

	#stage(name: string): StageSummary {
		let s = this.#stages.get(name);
		if (s === undefined) {
			s = {
				stage: name,
				batches: 0,
				tasksIn: 0,
				tasksOut: 0,
				filteredTasks: 0,
				itemsIn: 0,
				itemsOut: 0,
				workers: 0,
				retries: 0,
				failedTasks: 0,
				perf: emptyPerfStats(name),
			};
			this.#stages.set(name, s);
		}
		return s;
	}

	#workerSet(stage: string): Set<string> {
		let set = this.#workers.get(stage);
		if (set === undefined) {
			set = new Set();
			this.#workers.set(stage, set);
		}
		return set;
	}
}
