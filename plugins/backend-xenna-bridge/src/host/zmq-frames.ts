import type { HostMessage } from "@curator/runtime/host";
import { Packr } from "msgpackr";

/**
 * The msgpack rules of the worker-host ZeroMQ wire (see the package's `wire/worker-host.md`):
 * maps as plain objects, no records, and the smallest map header for the key
 * count (`variableMapSize`), as Python's msgpack writes them, so both sides
 * encode one message to the same bytes.
 */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

/**
 * The frames of one worker-host message: frame 0 the msgpack envelope
 * (`session` last), then `payloads` as `parts: n` frames, or the one byte
 * `payload` as frame 1.
 */
export function encodeHostFrames(message: HostMessage, session: string): Uint8Array[] {
	const { payload, payloads, ...envelope } = message as HostMessage & {
		payload?: unknown;
		payloads?: Uint8Array[];
	};
	const parts = Array.isArray(payloads) ? { parts: payloads.length } : {};
	const frames: Uint8Array[] = [packr.pack({ ...envelope, ...parts, session })];
	if (Array.isArray(payloads)) frames.push(...payloads);
	else if (payload instanceof Uint8Array) frames.push(payload);
	return frames;
}

/**
 * Decodes one received worker-host message (session key still in it), or
 * `undefined` when it is malformed: frame 0 not a msgpack map, a frame count
 * that differs from `parts`, or more than one byte frame without `parts`.
 * Frame 1 becomes `stage` of `init`, else `payload`.
 */
export function decodeHostFrames(
	frames: readonly Uint8Array[],
): Record<string, unknown> | undefined {
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
		message.payloads = parts.map(view);
		return message;
	}
	if (rest.length > 0) return undefined;
	if (body !== undefined) message[message.type === "init" ? "stage" : "payload"] = view(body);
	return message;
}

/**
 * A frame as a plain `Uint8Array` over the same memory: a barrier's input is
 * every task of the run, and a copy of it cost as much as its decoding.
 */
function view(frame: Uint8Array): Uint8Array {
	return new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
}
