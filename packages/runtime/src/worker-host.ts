/**
 * Entry point of a worker: a child process (IPC), a worker thread
 * (`parentPort`), or a process started by another language's runtime and
 * reached over ZeroMQ (`--zmq <endpoint>`, session key in
 * `CURATOR_SESSION_KEY`). It serves the worker-host protocol until
 * `shutdown`, and exits when its parent goes away, so a worker never
 * outlives its parent.
 */
import { parentPort } from "node:worker_threads";
import { WorkerHost } from "./host.ts";
import type { HostTransport } from "./host-transport.ts";
import { deferTurbofan, WORKER_TURBOFAN_INVOCATIONS } from "./jit.ts";
import { DEFAULT_MAX_MESSAGE_BYTES, type HostMessage, transferable } from "./protocol.ts";

const maxBytes = Number(process.env.CURATOR_MAX_MESSAGE_BYTES ?? DEFAULT_MAX_MESSAGE_BYTES);

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

function zmqEndpoint(): string | undefined {
	const index = process.argv.indexOf("--zmq");
	return index === -1 ? undefined : process.argv[index + 1];
}

/** Exits when the process that started us is gone (we were re-parented). */
function exitWithParent(): void {
	const parent = process.ppid;
	setInterval(() => {
		if (process.ppid !== parent) process.exit(0);
	}, 1000).unref();
}

const endpoint = zmqEndpoint();
if (endpoint !== undefined) {
	// Loaded by URL so the ZeroMQ addon is only loaded by workers that use it.
	const own = import.meta.url.endsWith(".ts") ? "./zmq-transport.ts" : "./zmq-transport.js";
	const { connectZmqTransport } = (await import(
		new URL(own, import.meta.url).href
	)) as typeof import("./zmq-transport.ts");
	exitWithParent();
	const transport = await connectZmqTransport(endpoint, process.env.CURATOR_SESSION_KEY ?? "");
	new WorkerHost(deferringTurbofan(transport), maxBytes).listen();
	// The socket's receive loop keeps the process alive.
	setInterval(() => {}, 1 << 30);
} else if (parentPort !== null) {
	new WorkerHost(threadTransport(parentPort), maxBytes).listen();
} else if (typeof process.send === "function") {
	new WorkerHost(deferringTurbofan(processTransport()), maxBytes).listen();
} else {
	process.stderr.write("worker-host: start me as a worker thread or with an IPC channel\n");
	process.exit(2);
}
