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
	/** Batches its operators could dispatch now (formed, and admitted downstream). */
	queuedBatches: number;
	/** A grow or shrink of this pool is under way. */
	changing: boolean;
	/** Its operators are done: it is closing or closed, and holds no reservation. */
	done: boolean;
}

/** A change to one pool (by its position). */
export type ScaleAction = { pool: number; grow: number } | { pool: number; shrink: true };

/**
 * Workers a pool counts against the bound: its live ones, and at least its
 * minimum while it has work. A pool still waiting for its first batch (a
 * barrier stage downstream) reserves nothing, so the pools upstream of it
 * can use every worker meanwhile.
 */
export function committedWorkers(load: PoolLoad): number {
	if (load.done || (load.inFlight === 0 && load.queuedBatches === 0)) return load.size;
	return Math.max(load.minWorkers, load.size);
}

/** Workers the pool's queue depth asks for: enough slots for what runs and waits, within its bounds. */
export function wantedWorkers(load: PoolLoad): number {
	const needed = Math.ceil((load.inFlight + load.queuedBatches) / load.slots);
	return Math.min(load.maxWorkers, Math.max(load.minWorkers, needed));
}

/**
 * Scaling with queue depth, within `maxWorkers` over all pools. A pool whose
 * queue depth asks for more workers than it has grows toward that number as
 * far as the bound allows (a pool with work and no worker starts at least
 * its minimum, which is reserved for it from then on); when the bound is
 * reached or passed, an idle worker of a pool with nothing to do (above its
 * minimum) is stopped to make room.
 */
export function scaleActions(pools: readonly PoolLoad[], maxWorkers: number): ScaleAction[] {
	let free = maxWorkers - pools.reduce((sum, load) => sum + committedWorkers(load), 0);
	let live = pools.reduce((sum, load) => sum + load.size, 0);
	const actions: ScaleAction[] = [];
	const shrinking = new Set<number>();
	pools.forEach((load, pool) => {
		if (load.done || load.changing || load.queuedBatches === 0) return;
		const wanted = wantedWorkers(load);
		const reserved = Math.max(load.size, load.minWorkers);
		// Its reservation and the free room, but never more live workers than the bound.
		const room = Math.min(reserved - load.size + Math.max(0, free), maxWorkers - live);
		const target = Math.min(wanted, load.size + Math.max(0, room));
		if (target > load.size) {
			free -= Math.max(0, target - reserved);
			live += target - load.size;
			actions.push({ pool, grow: target });
			return;
		}
		if (wanted <= load.size) return;
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
		load.queuedBatches === 0 &&
		load.size > load.minWorkers &&
		load.inFlight < load.size
	);
}
