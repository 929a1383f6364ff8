import { timingSafeEqual } from "node:crypto";
import { Packr } from "msgpackr";

/** Version of the executor <-> driver protocol this executor speaks. */
export const WIRE_VERSION = 1;

/** Largest envelope (frame 0) accepted, in bytes. */
export const MAX_ENVELOPE_BYTES = 4 * 1024 * 1024;

/** Types the executor sends. */
export const executorMessageTypes = [
	"welcome",
	"submit",
	"input",
	"cancel",
	"close",
	"error",
] as const;

/** Types the driver sends (the executor accepts only these). */
export const driverMessageTypes = ["hello", "event", "output", "done", "error"] as const;

/** A message type of the executor wire. */
export type WireType = (typeof executorMessageTypes)[number] | (typeof driverMessageTypes)[number];

/** A validated message: type, id, envelope fields and opaque payload frames. */
export interface WireMessage {
	type: WireType;
	id: number;
	fields: Record<string, unknown>;
	parts: Uint8Array[];
}

/** Why a received message was rejected (it is logged, never executed). */
export class WireRejection extends Error {
	readonly messageId: number | undefined;
	constructor(reason: string, messageId?: number) {
		super(reason);
		this.name = "WireRejection";
		this.messageId = messageId;
	}
}

// The smallest map header for the key count, as Python's msgpack writes it: both sides encode
// one message to the same bytes (see wire/executor-driver.md).
const packr = new Packr({
	useRecords: false,
	mapsAsObjects: true,
	encodeUndefinedAsNil: true,
	variableMapSize: true,
});
const reserved = new Set(["v", "session", "type", "id", "parts"]);

/** The frames of one message: a msgpack envelope, then `parts` opaque frames. */
export function encodeMessage(
	session: string,
	type: WireType,
	id: number,
	fields: Record<string, unknown> = {},
	parts: readonly Uint8Array[] = [],
): Uint8Array[] {
	const envelope: Record<string, unknown> = { v: WIRE_VERSION, session, type, id };
	for (const [key, value] of Object.entries(fields)) {
		if (value !== undefined) envelope[key] = value;
	}
	if (parts.length > 0) envelope.parts = parts.length;
	return [packr.pack(envelope), ...parts];
}

/**
 * Validates and decodes one received message. Throws {@link WireRejection}
 * for another version, a wrong session key, a type not in `accepted`, a
 * frame count that differs from `parts`, or payloads over `maxBytes`.
 */
export function decodeMessage(
	frames: readonly Uint8Array[],
	session: string,
	accepted: readonly string[],
	maxBytes: number,
): WireMessage {
	const [head, ...parts] = frames;
	if (head === undefined) throw new WireRejection("empty message");
	if (head.byteLength > MAX_ENVELOPE_BYTES) {
		throw new WireRejection(`envelope of ${head.byteLength} bytes is over ${MAX_ENVELOPE_BYTES}`);
	}
	let envelope: unknown;
	try {
		envelope = packr.unpack(head);
	} catch {
		throw new WireRejection("malformed envelope");
	}
	if (typeof envelope !== "object" || envelope === null || Array.isArray(envelope)) {
		throw new WireRejection("envelope is not a map");
	}
	const e = envelope as Record<string, unknown>;
	const id = Number.isInteger(e.id) ? (e.id as number) : undefined;
	if (e.v !== WIRE_VERSION)
		throw new WireRejection(`unsupported protocol version ${String(e.v)}`, id);
	if (!sameKey(e.session, session)) throw new WireRejection("wrong session key", id);
	if (typeof e.type !== "string" || !accepted.includes(e.type)) {
		throw new WireRejection(`unknown message type ${JSON.stringify(e.type)}`, id);
	}
	if (id === undefined) throw new WireRejection("message has no integer id");
	const declared = e.parts ?? 0;
	if (declared !== parts.length) {
		throw new WireRejection(
			`envelope announces ${String(declared)} payload frames, got ${parts.length}`,
			id,
		);
	}
	const size = parts.reduce((sum, part) => sum + part.byteLength, 0);
	if (size > maxBytes) {
		throw new WireRejection(`payload of ${size} bytes is over the limit of ${maxBytes}`, id);
	}
	const fields: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(e)) if (!reserved.has(key)) fields[key] = value;
	return { type: e.type as WireType, id, fields, parts: parts.map((p) => new Uint8Array(p)) };
}

function sameKey(given: unknown, expected: string): boolean {
	if (typeof given !== "string") return false;
	const a = Buffer.from(given);
	const b = Buffer.from(expected);
	return a.length === b.length && timingSafeEqual(a, b);
}
