import type { RunEvent } from "@curator/core";

/** Progress of one stage, folded from run events. */
export interface StageProgress {
	stage: string;
	index: number;
	state: "waiting" | "running" | "done";
	batches: number;
	tasksIn: number;
	tasksOut: number;
	itemsIn: number;
	itemsOut: number;
	workers: number;
	/**
	 * Tasks the stage will receive, when known: the upstream stage's output
	 * once that stage has ended (1 for a source run from the empty task).
	 */
	expectedTasks: number | undefined;
	/** Clock reading (ms) when the stage started. */
	startedAtMs: number | undefined;
	/** Clock reading (ms) when the stage ended. */
	endedAtMs: number | undefined;
}

/** Folds run events into per-stage progress; the renderer draws from it. */
export class ProgressTracker {
	readonly stages: StageProgress[] = [];
	backend = "";
	/** Clock reading (ms) at `run:start`. */
	runStartedAtMs: number | undefined;
	/** How the run ended (`run:end`), once it has. */
	runEnd: { ok: boolean; atMs: number; error?: string } | undefined;
	#byName = new Map<string, StageProgress>();
	#now: () => number;

	constructor(now: () => number = () => performance.now()) {
		this.#now = now;
	}

	/** Takes one event into account. */
	add(event: RunEvent): void {
		switch (event.type) {
			case "run:start":
				this.backend = event.backend;
				this.runStartedAtMs = this.#now();
				this.runEnd = undefined;
				event.stages.forEach((name, index) => {
					this.#stage(name, index);
				});
				break;
			case "stage:start": {
				const stage = this.#stage(event.stage, event.index);
				stage.state = "running";
				stage.startedAtMs ??= this.#now();
				if (event.workers !== undefined) stage.workers = Math.max(stage.workers, event.workers);
				if (stage.index === 0) stage.expectedTasks ??= 1;
				break;
			}
			case "batch:done": {
				const stage = this.#stage(event.stage);
				if (stage.state === "waiting") stage.state = "running";
				stage.startedAtMs ??= this.#now();
				stage.batches += 1;
				stage.tasksIn += event.tasksIn;
				stage.tasksOut += event.tasksOut;
				stage.itemsIn += event.itemsIn;
				stage.itemsOut += event.itemsOut;
				break;
			}
			case "stage:end": {
				const stage = this.#stage(event.stage, event.index);
				stage.state = "done";
				stage.endedAtMs = this.#now();
				const next = this.stages[stage.index + 1];
				if (next !== undefined) next.expectedTasks = stage.tasksOut;
				break;
			}
			case "run:end":
				this.runEnd = {
					ok: event.ok,
					atMs: this.#now(),
					...(event.error === undefined ? {} : { error: event.error }),
				};
				break;
			default:
				break;
		}
	}

	/** Seconds since the run started (until it ended). */
	elapsedS(): number {
		if (this.runStartedAtMs === undefined) return 0;
		return ((this.runEnd?.atMs ?? this.#now()) - this.runStartedAtMs) / 1000;
	}

	/** Tasks per second of a stage since it started. */
	taskRate(stage: StageProgress): number {
		const seconds = this.#runningS(stage);
		return seconds > 0 ? stage.tasksIn / seconds : 0;
	}

	/**
	 * Seconds a stage still needs at its task rate so far, when its expected
	 * tasks are known and it has done some; `undefined` otherwise.
	 */
	etaS(stage: StageProgress): number | undefined {
		if (stage.state === "done") return 0;
		const rate = this.taskRate(stage);
		if (stage.expectedTasks === undefined || rate <= 0) return undefined;
		return Math.max(0, stage.expectedTasks - stage.tasksIn) / rate;
	}

	#runningS(stage: StageProgress): number {
		if (stage.startedAtMs === undefined) return 0;
		return ((stage.endedAtMs ?? this.#now()) - stage.startedAtMs) / 1000;
	}

	/** Items per second of a stage since it started. */
	rate(stage: StageProgress): number {
		const seconds = this.#runningS(stage);
		return seconds > 0 ? stage.itemsIn / seconds : 0;
	}

	#stage(name: string, index?: number): StageProgress {
		let stage = this.#byName.get(name);
		if (stage === undefined) {
			stage = {
				stage: name,
				index: index ?? this.stages.length,
				state: "waiting",
				batches: 0,
				tasksIn: 0,
				tasksOut: 0,
				itemsIn: 0,
				itemsOut: 0,
				workers: 0,
				expectedTasks: undefined,
				startedAtMs: undefined,
				endedAtMs: undefined,
			};
			this.#byName.set(name, stage);
			this.stages.push(stage);
		}
		return stage;
	}
}
