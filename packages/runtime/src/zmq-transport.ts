import { Packr } from "msgpackr";
import { Dealer } from "zeromq";
import type { HostTransport } from "./host.ts";
import { type HostMessage, PROTOCOL_VERSION } from "./protocol.ts";

/**
 * Worker-host transport over ZeroMQ, for workers started by another
 * language's process (the Python stage actors of the Xenna bridge).
 *
 * Each message is one multipart ZeroMQ message: frame 0 is a msgpack
 * envelope `{v, session, type, id, ...}`; frame 1, when present, is the one
 * opaque byte field of the message (`stage` of `init`, `payload` of
 * `process` and of `ok`). An envelope with `parts: n` is followed instead
 * by n frames that form its `payloads` list (`process` with several encoded
 * batches, `split` replies). A message whose session key differs is
 * rejected and logged, never executed.
 */
export async function connectZmqTransport(
	endpoint: string,
	session: string,
): Promise<HostTransport> {
	const packr = new Packr({ useRecords: false, mapsAsObjects: true });
	const socket = new Dealer({ linger: 0 });
	socket.connect(endpoint);
	const send = (message: HostMessage): void => {
		const { payload, payloads, ...envelope } = message as HostMessage & {
			payload?: unknown;
			payloads?: Uint8Array[];
		};
		const parts = Array.isArray(payloads) ? { parts: payloads.length } : {};
		const frames: Uint8Array[] = [packr.pack({ ...envelope, ...parts, session })];
		if (Array.isArray(payloads)) frames.push(...payloads);
		else if (payload instanceof Uint8Array) frames.push(payload);
		void socket.send(frames).catch(() => {});
	};
	return {
		send,
		onMessage(handler) {
			void (async () => {
				for await (const frames of socket) {
					const message = decode(packr, frames);
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

function decode(packr: Packr, frames: Buffer[]): Record<string, unknown> | undefined {
	const [head, body, ...rest] = frames;
	if (head === undefined) return undefined;
	let envelope: unknown;
	try {
		envelope = packr.unpack(head);
	} catch {
		return undefined;
	}
	if (typeof envelope !== "object" || envelope === null || Array.isArray(envelope))
		return undefined;
	const message = envelope as Record<string, unknown>;
	if ("parts" in message) {
		const parts = frames.slice(1);
		if (message.parts !== parts.length) return undefined;
		delete message.parts;
		message.payloads = parts.map((frame) => new Uint8Array(frame));
		return message;
	}
	if (rest.length > 0) return undefined;
	if (body !== undefined)
		message[message.type === "init" ? "stage" : "payload"] = new Uint8Array(body);
	return message;
}
