/** What the scaling rule knows of one pool. */
export interface PoolLoad {
	/** Live workers, starting ones included. */
	size: number;
	minWorkers: number;
	maxWorkers: number;
	/** Calls sent to the pool and not yet answered. */
	inFlight: number;
	/** Calls one worker takes at a time. */
	slots: number;
	/** Whether one of its operators has a batch it may dispatch now. */
	demand: boolean;
	/** A grow or shrink of this pool is under way. */
	changing: boolean;
	/** Its operators are done: it is closing or closed, and holds no reservation. */
	done: boolean;
}

/** A change to one pool (by its position). */
export type ScaleAction = { pool: number; grow: number } | { pool: number; shrink: true };

/** Workers a pool counts against the bound: its live ones, and at least its minimum until done. */
export function committedWorkers(load: PoolLoad): number {
	return load.done ? load.size : Math.max(load.minWorkers, load.size);
}

/**
 * Scaling with queue depth, within `maxWorkers` over all pools. A pool with
 * work and no worker starts its minimum; a pool whose workers are all busy
 * while a batch waits grows by one if the bound allows, else takes the
 * place of an idle worker of a pool with nothing to do (above its minimum),
 * which is stopped.
 */
export function scaleActions(pools: readonly PoolLoad[], maxWorkers: number): ScaleAction[] {
	let free = maxWorkers - pools.reduce((sum, load) => sum + committedWorkers(load), 0);
	const actions: ScaleAction[] = [];
	const shrinking = new Set<number>();
	pools.forEach((load, pool) => {
		if (load.done || load.changing || !load.demand) return;
		if (load.size === 0) {
			actions.push({ pool, grow: Math.max(1, load.minWorkers) });
			return;
		}
		const saturated = load.inFlight >= load.size * load.slots;
		if (!saturated || load.size >= load.maxWorkers) return;
		if (free > 0) {
			free -= 1;
			actions.push({ pool, grow: load.size + 1 });
			return;
		}
		const victim = pools.findIndex((other, index) => isVictim(other, index, pool, shrinking));
		if (victim !== -1) {
			shrinking.add(victim);
			actions.push({ pool: victim, shrink: true });
		}
	});
	return actions;
}

function isVictim(load: PoolLoad, index: number, starved: number, taken: Set<number>): boolean {
	return (
		index !== starved &&
		!taken.has(index) &&
		!load.done &&
		!load.changing &&
		!load.demand &&
		load.size > load.minWorkers &&
		load.inFlight < load.size
	);
}
