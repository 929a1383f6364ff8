import type { BatchRecord } from "../observer.ts";

/**
 * The partition `taskId` descends from, among `partitions`: the id itself,
 * or its longest prefix ending before a `_` that is one (descendants' ids
 * are `<parent>_<n>`, see `ids.ts`). `undefined` when it descends from none
 * of them (another lineage, or a random `r...` id).
 */
export function partitionOf(taskId: string, partitions: ReadonlySet<string>): string | undefined {
	if (partitions.has(taskId)) return taskId;
	for (let end = taskId.lastIndexOf("_"); end > 0; end = taskId.lastIndexOf("_", end - 1)) {
		const prefix = taskId.slice(0, end);
		if (partitions.has(prefix)) return prefix;
	}
	return undefined;
}

/**
 * Follows every task of a run back to its partition (an output of the
 * source stage) and tells when a partition is settled: every task descended
 * from it left the pipeline's last stage, or was filtered, or failed under
 * `ignoreFailures`. Fed the run's batch records in the calling process;
 * counts fan-out (an input with three outputs leaves three tasks to follow).
 * A partition whose lineage is lost (a batch mixing several inputs returned
 * outputs with random ids) is never settled: a resumed run does it again.
 */
export class PartitionTracker {
	readonly #source: string;
	readonly #last: string;
	readonly #partitions = new Set<string>();
	/** Tasks of each partition not yet settled. */
	readonly #open = new Map<string, number>();
	readonly #lost = new Set<string>();

	/** `stages`: the run's stage names in order; `source`: the one whose outputs are partitions. */
	constructor(stages: readonly string[], source: string) {
		this.#source = source;
		this.#last = stages.at(-1) ?? source;
	}

	/** Every partition the source has put out so far. */
	get partitions(): ReadonlySet<string> {
		return this.#partitions;
	}

	/** Takes one batch record; returns the partitions it settled. */
	onBatch(record: BatchRecord): string[] {
		const terminal = record.stage === this.#last;
		if (record.stage === this.#source) return this.#opened(record.outputIds, terminal);
		const delta = new Map<string, number>();
		const add = (partition: string, n: number) =>
			delta.set(partition, (delta.get(partition) ?? 0) + n);
		const inputs = new Set<string>();
		for (const id of record.inputIds) {
			const partition = partitionOf(id, this.#partitions);
			if (partition === undefined) continue;
			inputs.add(partition);
			add(partition, -1);
		}
		if (!terminal) {
			for (const id of record.outputIds) {
				const partition = partitionOf(id, this.#partitions);
				if (partition !== undefined) add(partition, 1);
				else for (const lost of inputs) this.#lost.add(lost);
			}
		}
		const settled: string[] = [];
		for (const [partition, n] of delta) {
			const open = (this.#open.get(partition) ?? 0) + n;
			this.#open.set(partition, open);
			if (open === 0 && !this.#lost.has(partition)) settled.push(partition);
		}
		return settled;
	}

	#opened(ids: readonly string[], terminal: boolean): string[] {
		for (const id of ids) {
			this.#partitions.add(id);
			this.#open.set(id, terminal ? 0 : 1);
		}
		return terminal ? [...ids] : [];
	}
}
