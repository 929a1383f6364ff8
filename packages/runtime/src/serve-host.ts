import { WorkerHost } from "./host.ts";
import type { HostTransport } from "./host-transport.ts";
import { deferTurbofan, WORKER_TURBOFAN_INVOCATIONS } from "./jit.ts";
import { DEFAULT_MAX_MESSAGE_BYTES } from "./protocol.ts";

/** How a worker host is served (see `serveWorkerHost`). */
export interface ServeOptions {
	/**
	 * Raise V8's Turbofan threshold when the first batch arrives (`deferTurbofan`): for a
	 * worker that is a process of its own, never for a thread, which shares V8's settings.
	 */
	deferTurbofan?: boolean;
	/**
	 * Collect garbage once every stage the worker hosts is torn down and no
	 * request came for this many milliseconds: for a worker kept idle for later
	 * stages (the bridge keeps its actors between pipelines), which would
	 * otherwise hold its last batches' memory. Default: never.
	 */
	collectWhenIdleMs?: number;
}

/**
 * Serves the worker-host protocol over `transport` until `shutdown`. The one
 * start of a host, whatever carries its messages: IPC and worker threads here,
 * a socket in a backend that starts workers from another language.
 */
export function serveWorkerHost(transport: HostTransport, options: ServeOptions = {}): void {
	const maxBytes = Number(process.env.CURATOR_MAX_MESSAGE_BYTES ?? DEFAULT_MAX_MESSAGE_BYTES);
	const served = options.deferTurbofan === true ? deferringTurbofan(transport) : transport;
	new WorkerHost(served, maxBytes, options.collectWhenIdleMs).listen();
}

/**
 * Defers Turbofan in this worker process (see `deferTurbofan`) when the first
 * batch arrives: by then the stage modules are loaded, from the compile
 * cache that a change of V8 settings would make miss.
 */
function deferringTurbofan(transport: HostTransport): HostTransport {
	let deferred = false;
	return {
		...transport,
		onMessage: (handler) =>
			transport.onMessage((message) => {
				if (!deferred && (message as { type?: unknown } | null)?.type === "process") {
					deferred = true;
					if (deferTurbofan()) {
						const note = `Turbofan threshold raised to ${WORKER_TURBOFAN_INVOCATIONS} for this worker`;
						transport.send({ v: 1, type: "log", level: "debug", message: note });
					}
				}
				handler(message);
			}),
	};
}
