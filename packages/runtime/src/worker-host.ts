/**
 * Entry point of a worker: a child process (IPC) or a worker thread
 * (`parentPort`). It serves the worker-host protocol until `shutdown`, and
 * exits when its parent goes away, so a worker never outlives its parent.
 * A backend whose workers another runtime starts serves the same host over
 * its own transport with `serveWorkerHost` (`@curator/runtime/host`).
 */
import { parentPort } from "node:worker_threads";
import type { HostTransport } from "./host-transport.ts";
import { type HostMessage, transferable } from "./protocol.ts";
import { serveWorkerHost } from "./serve-host.ts";

function threadTransport(port: NonNullable<typeof parentPort>): HostTransport {
	return {
		send: (message: HostMessage) => {
			const payload = "payload" in message ? message.payload : undefined;
			port.postMessage(message, transferable(payload));
		},
		onMessage: (handler) => port.on("message", handler),
		close: () => port.close(),
	};
}

function processTransport(): HostTransport {
	process.on("disconnect", () => process.exit(0));
	// Ctrl-C reaches the terminal's whole process group: the parent stops the run and its
	// workers, so a worker that died of it first would look like a crash (and be retried).
	process.on("SIGINT", () => {});
	return {
		send: (message: HostMessage) => {
			process.send?.(message);
		},
		onMessage: (handler) => process.on("message", handler),
		close: () => process.disconnect?.(),
		setTitle: (title) => {
			process.title = title;
		},
	};
}

if (parentPort !== null) {
	serveWorkerHost(threadTransport(parentPort));
} else if (typeof process.send === "function") {
	serveWorkerHost(processTransport(), { deferTurbofan: true });
} else {
	process.stderr.write("worker-host: start me as a worker thread or with an IPC channel\n");
	process.exit(2);
}
