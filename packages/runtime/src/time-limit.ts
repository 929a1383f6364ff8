/** Thrown by {@link DeadlineQueue.run} when a request ran past its time limit. */
export class TimeLimitExceeded extends Error {
	/** The limit, in seconds. */
	readonly limitS: number;
	constructor(limitS: number) {
		super(`time limit of ${limitS} s exceeded`);
		this.limitS = limitS;
	}
}

const neverExpires = (): void => {};

interface Entry {
	limitS: number | undefined;
	timer: NodeJS.Timeout | undefined;
	expire: (error: TimeLimitExceeded) => void;
}

/**
 * The requests sent to one worker, in the order it serves them. A worker
 * runs one request at a time and queues the next (`slotsPerWorker` 2), so a
 * request's time limit starts when it reaches the head of this queue, that
 * is when the worker starts it, not when it was sent: a batch is never blamed
 * for the wait behind the one before it.
 */
export class DeadlineQueue {
	readonly #entries: Entry[] = [];
	readonly #onExpire: () => void;

	/** `onExpire` runs once a request is past its limit (typically: kill the worker). */
	constructor(onExpire: () => void) {
		this.#onExpire = onExpire;
	}

	/**
	 * Sends a request with `send` and resolves with its reply, or rejects with
	 * {@link TimeLimitExceeded} once it has run `limitS` seconds (after which
	 * the request's own outcome is ignored). No limit when `limitS` is undefined.
	 */
	async run<T>(limitS: number | undefined, send: () => Promise<T>): Promise<T> {
		// A request without a limit never expires: no promise to race per batch.
		const expired = limitS === undefined ? undefined : Promise.withResolvers<never>();
		const entry: Entry = { limitS, timer: undefined, expire: expired?.reject ?? neverExpires };
		this.#entries.push(entry);
		if (this.#entries[0] === entry) this.#arm(entry);
		const reply = send();
		try {
			return expired === undefined ? await reply : await Promise.race([reply, expired.promise]);
		} catch (error) {
			// The request still settles (usually as a crash of the killed worker): nobody waits for it.
			if (error instanceof TimeLimitExceeded) reply.catch(() => {});
			throw error;
		} finally {
			this.#remove(entry);
		}
	}

	#arm(entry: Entry): void {
		const { limitS } = entry;
		if (limitS === undefined) return;
		entry.timer = setTimeout(() => {
			entry.expire(new TimeLimitExceeded(limitS));
			this.#onExpire();
		}, limitS * 1000);
	}

	#remove(entry: Entry): void {
		clearTimeout(entry.timer);
		const index = this.#entries.indexOf(entry);
		if (index === -1) return;
		this.#entries.splice(index, 1);
		const head = this.#entries[0];
		if (index === 0 && head !== undefined && head.timer === undefined) this.#arm(head);
	}
}

/**
 * Runs `work` with a time limit of `limitS` seconds: rejects with
 * {@link TimeLimitExceeded} past it and calls `onExpire` (the work's own
 * outcome is then ignored). No limit when `limitS` is undefined.
 */
export function withTimeLimit<T>(
	limitS: number | undefined,
	work: () => Promise<T>,
	onExpire: () => void,
): Promise<T> {
	return new DeadlineQueue(onExpire).run(limitS, work);
}
