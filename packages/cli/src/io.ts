import type { RenderStream } from "@curator/runtime/render";
import { type StopSignal, stopSignals } from "./errors.ts";

/** What the CLI talks to; the real process by default, fakes in tests. */
export interface CliIO {
	stdout: RenderStream;
	stderr: RenderStream;
	cwd: string;
	/** Registers a handler for the stop signals (SIGINT, SIGTERM); returns its removal. */
	onInterrupt(handler: (signal: StopSignal) => void): () => void;
}

/** The real process as {@link CliIO}. */
export function processIO(): CliIO {
	return {
		stdout: process.stdout,
		stderr: process.stderr,
		cwd: process.cwd(),
		onInterrupt(handler) {
			let interrupted = false;
			const listener = (signal: StopSignal): void => {
				// A second signal does not wait for the workers to stop.
				if (interrupted) process.exit(stopSignals[signal].code);
				interrupted = true;
				handler(signal);
			};
			const signals = Object.keys(stopSignals) as StopSignal[];
			for (const signal of signals) process.on(signal, listener);
			return () => {
				for (const signal of signals) process.off(signal, listener);
			};
		},
	};
}
