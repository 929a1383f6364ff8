import type { StagePerfStats } from "./perf.ts";

/** A monotonic clock in seconds; injectable so tests need no real time. */
export type Clock = () => number;

const monotonicSeconds: Clock = () => performance.now() / 1000;

/** What the timer measured for one batch call. */
export interface BatchTiming {
	processTimeS: number;
	idleTimeS: number;
	perItemTimeS: number;
}

/**
 * Times the batch calls of one stage on one worker.
 *
 * Start-up time (construction until {@link StageTimer.markReady}, i.e. the
 * stage's `setup`) is reported once as `startupTimeS` and never counted as
 * idle. Idle time of a batch is the gap since the previous batch ended, or
 * since the worker became ready for the first batch.
 */
export class StageTimer {
	readonly stageName: string;
	#clock: Clock;
	#createdAt: number;
	#readyAt: number | undefined;
	#lastEnd: number | undefined;
	#startupTimeS = 0;

	constructor(stageName: string, clock: Clock = monotonicSeconds) {
		this.stageName = stageName;
		this.#clock = clock;
		this.#createdAt = clock();
	}

	/** Marks the end of setup; idle time is counted from here. */
	markReady(): void {
		this.#readyAt = this.#clock();
		this.#startupTimeS = this.#readyAt - this.#createdAt;
	}

	/** Seconds spent between construction and {@link markReady}. */
	get startupTimeS(): number {
		return this.#startupTimeS;
	}

	/** Runs `work` and returns its result with the timing of the call. */
	async time<T>(numItems: number, work: () => T | Promise<T>): Promise<[T, BatchTiming]> {
		const start = this.#clock();
		const idleFrom = this.#lastEnd ?? this.#readyAt ?? start;
		const result = await work();
		const end = this.#clock();
		this.#lastEnd = end;
		const processTimeS = end - start;
		return [
			result,
			{
				processTimeS,
				idleTimeS: Math.max(0, start - idleFrom),
				perItemTimeS: numItems > 0 ? processTimeS / numItems : 0,
			},
		];
	}

	/** Builds the perf record of one batch call. */
	record(
		timing: BatchTiming,
		batch: { batchId: string; numItems: number; numTasks: number; inputSizeBytes: number },
		customMetrics: Record<string, number>,
	): StagePerfStats {
		return {
			stageName: this.stageName,
			batchId: batch.batchId,
			processTimeS: timing.processTimeS,
			idleTimeS: timing.idleTimeS,
			inputSizeBytes: batch.inputSizeBytes,
			numItemsProcessed: batch.numItems,
			numTasksProcessed: batch.numTasks,
			perItemTimeS: timing.perItemTimeS,
			customMetrics,
		};
	}
}
