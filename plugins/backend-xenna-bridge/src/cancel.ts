const signals = ["SIGINT", "SIGTERM"] as const;

/**
 * The run's own abort signal plus SIGINT/SIGTERM of this process, while the
 * run lasts. A caught signal is raised again once the run is reaped, unless
 * someone else listens to it.
 */
export class Cancellation {
	readonly #controller = new AbortController();
	readonly #outer: AbortSignal;
	#caught: NodeJS.Signals | undefined;
	readonly #onAbort = () => this.#controller.abort(this.#outer.reason);
	readonly #onSignal = (signal: NodeJS.Signals) => {
		this.#caught ??= signal;
		this.#controller.abort(new Error(`received ${signal}`));
	};

	constructor(outer: AbortSignal) {
		this.#outer = outer;
		outer.addEventListener("abort", this.#onAbort, { once: true });
		for (const signal of signals) process.on(signal, this.#onSignal);
	}

	get signal(): AbortSignal {
		return this.#controller.signal;
	}

	dispose(): void {
		this.#outer.removeEventListener("abort", this.#onAbort);
		for (const signal of signals) process.off(signal, this.#onSignal);
	}

	reraise(): void {
		const caught = this.#caught;
		if (caught !== undefined && process.listenerCount(caught) === 0)
			process.kill(process.pid, caught);
	}
}
