/**
 * Entry point of a worker: a child process (IPC) or a worker thread
 * (`parentPort`). It serves the worker-host protocol until `shutdown`, and
 * exits when its parent goes away, so a worker never outlives its parent.
 */
import { parentPort } from "node:worker_threads";
import { type HostTransport, WorkerHost } from "./host.ts";
import { DEFAULT_MAX_MESSAGE_BYTES, type HostMessage } from "./protocol.ts";

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

function transferable(payload: unknown): ArrayBuffer[] {
	if (!(payload instanceof Uint8Array)) return [];
	const { buffer } = payload;
	const whole = payload.byteOffset === 0 && payload.byteLength === buffer.byteLength;
	return whole && buffer instanceof ArrayBuffer ? [buffer] : [];
}

if (parentPort !== null) {
	new WorkerHost(threadTransport(parentPort), maxBytes).listen();
} else if (typeof process.send === "function") {
	new WorkerHost(processTransport(), maxBytes).listen();
} else {
	process.stderr.write("worker-host: start me as a worker thread or with an IPC channel\n");
	process.exit(2);
}
