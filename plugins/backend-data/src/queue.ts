import type { PoolTask } from "@curator/runtime";

/**
 * An operator's input queue: tasks in arrival order with their estimated
 * sizes. Taking from the front is amortized O(batch): taken slots are
 * cleared at once and the array is compacted once they are half of it.
 */
export class TaskQueue {
	#tasks: (PoolTask | undefined)[] = [];
	#sizes: number[] = [];
	#head = 0;
	#bytes = 0;

	/** Tasks waiting. */
	get length(): number {
		return this.#tasks.length - this.#head;
	}

	/** Estimated bytes of the tasks waiting. */
	get bytes(): number {
		return this.#bytes;
	}

	/** Appends tasks; `sizes[i]` is the estimated size of `tasks[i]` (0 when absent). */
	push(tasks: readonly PoolTask[], sizes: readonly number[] = []): void {
		tasks.forEach((task, i) => {
			const size = sizes[i] ?? 0;
			this.#tasks.push(task);
			this.#sizes.push(size);
			this.#bytes += size;
		});
	}

	/** Removes and returns up to `count` tasks from the front. */
	take(count: number): PoolTask[] {
		const end = Math.min(this.#tasks.length, this.#head + count);
		const taken: PoolTask[] = [];
		for (let i = this.#head; i < end; i++) {
			taken.push(this.#tasks[i] as PoolTask);
			this.#bytes -= this.#sizes[i] ?? 0;
			// Taken slots must not keep their tasks alive until the next compaction.
			this.#tasks[i] = undefined;
		}
		this.#head = end;
		if (this.#head * 2 > this.#tasks.length) {
			this.#tasks = this.#tasks.slice(this.#head);
			this.#sizes = this.#sizes.slice(this.#head);
			this.#head = 0;
		}
		if (this.length === 0) this.#bytes = 0;
		return taken;
	}
}
