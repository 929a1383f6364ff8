/**
 * Entry point of a Node worker that a Python stage actor starts:
 * `node worker-host.js --zmq <endpoint>`, session key in
 * `CURATOR_SESSION_KEY`. It serves runtime's worker host over ZeroMQ until
 * `shutdown`, and exits when the actor that started it is gone. It lives in
 * the bridge so that ZeroMQ is installed with the bridge only.
 */
import { serveWorkerHost } from "@curator/runtime/host";
import { connectZmqTransport } from "./host/zmq-transport.ts";

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
if (endpoint === undefined) {
	process.stderr.write("worker-host: start me with --zmq <endpoint>\n");
	process.exit(2);
}
exitWithParent();
const transport = await connectZmqTransport(endpoint, process.env.CURATOR_SESSION_KEY ?? "");
serveWorkerHost(transport, { deferTurbofan: true, collectWhenIdleMs: 1000 });
// The socket's receive loop keeps the process alive.
setInterval(() => {}, 1 << 30);
