import { type HostMessage, type HostTransport, PROTOCOL_VERSION } from "@curator/runtime/host";
import { Dealer } from "zeromq";
import { decodeHostFrames, encodeHostFrames } from "./zmq-frames.ts";

/**
 * Worker-host transport over ZeroMQ, for workers started by another
 * language's process (the Python stage actors of the Xenna bridge).
 *
 * Frames as `zmq-frames.ts` encodes them (the wire is described in
 * the package's `wire/worker-host.md`). A message whose session key differs is rejected
 * and logged, never executed.
 */
export async function connectZmqTransport(
	endpoint: string,
	session: string,
): Promise<HostTransport> {
	const socket = new Dealer({ linger: 0 });
	socket.connect(endpoint);
	const send = (message: HostMessage): void => {
		void socket.send(encodeHostFrames(message, session)).catch(() => {});
	};
	return {
		send,
		onMessage(handler) {
			void (async () => {
				for await (const frames of socket) {
					const message = decodeHostFrames(frames);
					if (message === undefined) {
						send({
							v: PROTOCOL_VERSION,
							type: "log",
							level: "warn",
							message: "dropped a malformed message",
						});
						continue;
					}
					if (message.session !== session) {
						const id = typeof message.id === "number" ? message.id : -1;
						send({
							v: PROTOCOL_VERSION,
							id,
							type: "error",
							error: { message: "wrong session key", code: "CURATOR_PROTOCOL" },
						});
						send({
							v: PROTOCOL_VERSION,
							type: "log",
							level: "warn",
							message: "rejected a message with a wrong session key",
						});
						continue;
					}
					delete message.session;
					handler(message);
				}
			})();
		},
		close() {
			setImmediate(() => {
				socket.close();
				process.exit(0);
			});
		},
		setTitle(title) {
			process.title = title;
		},
	};
}
