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
			default:
				break;
		}
	}

	/** Items per second of a stage since it started. */
	rate(stage: StageProgress): number {
		if (stage.startedAtMs === undefined) return 0;
		const seconds = ((stage.endedAtMs ?? this.#now()) - stage.startedAtMs) / 1000;
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
