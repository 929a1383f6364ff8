import type { BatchCallStats } from "@curator/core";

/**
 * Stage time one message should carry, at most. Each message costs about a
 * millisecond of CPU between the worker (reading the next request, sending
 * the reply) and the driver, and on a machine whose cores all run stage code
 * that time is taken from the workers; at 200 ms it is half a percent.
 */
const TARGET_MESSAGE_S = 0.2;

/**
 * A message carries at most 1 / (lanes x this) of the batches not yet sent, so
 * messages shrink as the stage nears its end and the workers finish together.
 */
const TAIL_DIVISOR = 8;

/**
 * Decides how many batches travel in one message. Until every lane has seen
 * a batch come back it sends one at a time; then it sends as many as fit in
 * about 200 ms of measured stage time, up to `maxBatches`, and never more
 * than an eighth of what is left per lane, so the last messages stay small
 * and the workers finish together. Batches over 100 ms always travel alone,
 * as does every batch when `maxBatches` is 1.
 */
export class Coalescer {
	readonly #maxBatches: number;
	readonly #lanes: number;
	#seen = 0;
	#timeS = 0;

	constructor(maxBatches: number, lanes: number) {
		this.#maxBatches = maxBatches;
		this.#lanes = lanes;
	}

	/** Notes the stats of one batch that came back. */
	observe(stats: readonly BatchCallStats[]): void {
		this.#seen += 1;
		for (const entry of stats) this.#timeS += entry.perf.processTimeS;
	}

	/** Batches for the next message, with `remaining` batches not yet sent. */
	next(remaining: number): number {
		if (this.#maxBatches <= 1 || this.#seen < this.#lanes) return 1;
		const meanS = this.#timeS / this.#seen;
		const byTime = meanS > 0 ? Math.floor(TARGET_MESSAGE_S / meanS) : this.#maxBatches;
		const byBalance = Math.floor(remaining / (this.#lanes * TAIL_DIVISOR));
		return Math.max(1, Math.min(this.#maxBatches, byTime, byBalance));
	}
}
