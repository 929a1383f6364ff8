import type { WorkerHandle } from "./worker-handle.ts";

/**
 * Keeps live worker hosts between stages so the next stage's pool reuses
 * them instead of starting (and warming up) new processes. A worker enters
 * the cache only after its stage's `teardown`; the next stage runs its own
 * `init`, `setup` and `teardown` on it. Workers started with a different
 * environment (e.g. `CUDA_VISIBLE_DEVICES`) are kept apart by `key`.
 */
export class WorkerCache {
	#idle = new Map<string, WorkerHandle[]>();
	#closed = false;

	/** A live cached worker started with `key`, if there is one. @internal (for `StagePool`) */
	take(key: string): WorkerHandle | undefined {
		const handles = this.#idle.get(key);
		while (handles !== undefined && handles.length > 0) {
			const handle = handles.pop() as WorkerHandle;
			if (handle.exit === undefined) return handle;
		}
		return undefined;
	}

	/** Keeps `handle` for reuse; stops it instead when the cache is closed. @internal (for `StagePool`) */
	give(key: string, handle: WorkerHandle): boolean {
		if (this.#closed || handle.exit !== undefined) return false;
		const handles = this.#idle.get(key) ?? [];
		handles.push(handle);
		this.#idle.set(key, handles);
		return true;
	}

	/**
	 * Stops one cached worker, if there is one: a pool that has to start a new
	 * worker (none cached fits it) makes room first, so the cache never adds
	 * to the number of live workers a backend has planned for.
	 * @internal (for `StagePool`)
	 */
	evictOne(): boolean {
		for (const [key, handles] of this.#idle) {
			const handle = handles.shift();
			if (handles.length === 0) this.#idle.delete(key);
			if (handle === undefined) continue;
			void handle.stop();
			return true;
		}
		return false;
	}

	/** Workers waiting for reuse. */
	get size(): number {
		let count = 0;
		for (const handles of this.#idle.values()) count += handles.length;
		return count;
	}

	/** Stops every cached worker (they are idle: a plain shutdown). */
	async close(): Promise<void> {
		this.#closed = true;
		const handles = [...this.#idle.values()].flat();
		this.#idle.clear();
		await Promise.all(handles.map((handle) => handle.stop()));
	}

	/** Kills every cached worker at once (abort); resolves once they have exited. */
	async kill(): Promise<void> {
		this.#closed = true;
		const handles = [...this.#idle.values()].flat();
		this.#idle.clear();
		for (const handle of handles) handle.kill();
		await Promise.all(handles.map((handle) => handle.exited));
	}
}
