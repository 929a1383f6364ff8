import { DefaultSerializer, deserialize } from "node:v8";
import { CuratorError, ErrorCodes } from "@curator/core";

/**
 * Format version of an encoded task batch (`encodeTasks`). Bump it when the
 * layout of a `PortableBatch` or its serialization changes: a runtime then
 * rejects a peer's payload by name instead of misreading it.
 */
export const TASKS_FORMAT_VERSION = 1;

/** "CTB": the first bytes of every encoded task batch, then the version byte. */
const MAGIC = [0x43, 0x54, 0x42] as const;
const HEADER = Uint8Array.of(...MAGIC, TASKS_FORMAT_VERSION);
const HEADER_BYTES = HEADER.length;

/** Serializes a batch (v8's format) behind the format header, without a second copy. */
export function writeTaskPayload(batch: unknown): Uint8Array {
	const serializer = new DefaultSerializer();
	serializer.writeRawBytes(HEADER);
	serializer.writeHeader();
	serializer.writeValue(batch);
	return serializer.releaseBuffer();
}

/**
 * Reads what {@link writeTaskPayload} wrote. A payload of another format
 * version, or without the header (an older runtime's, or not a task batch),
 * fails with `CURATOR_PROTOCOL` naming both versions, before any decoding.
 */
export function readTaskPayload(bytes: Uint8Array): unknown {
	const version = payloadVersion(bytes);
	if (version !== TASKS_FORMAT_VERSION) {
		const given =
			version === undefined ? "has no format header" : `is of format version ${version}`;
		throw new CuratorError(
			ErrorCodes.protocol,
			`a task payload ${given}; this runtime reads task payloads of format version ${TASKS_FORMAT_VERSION} only`,
		);
	}
	return deserialize(bytes.subarray(HEADER_BYTES));
}

/** The format version in a payload's header, or `undefined` when it has none. */
export function payloadVersion(bytes: Uint8Array): number | undefined {
	if (bytes.byteLength < HEADER_BYTES) return undefined;
	if (MAGIC.some((byte, i) => bytes[i] !== byte)) return undefined;
	return bytes[MAGIC.length];
}
