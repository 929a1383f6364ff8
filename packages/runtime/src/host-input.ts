import type { Task } from "@curator/core";
import { decodeTasks, readBatch } from "./codec.ts";
import type { BatchPayload } from "./protocol.ts";
import { type Part, readPart } from "./spill/index.ts";

/** The tasks of a request, with the size and form they came in. */
export interface DecodedInput {
	tasks: Task[];
	byteLength: number;
	/** They came as bytes (reply in bytes), not as a portable batch. */
	asBytes: boolean;
}

/**
 * Decodes a request's batch: a portable batch, bytes, or several parts
 * (bytes, or paths of spilled files) taken as one batch in order. A part is
 * decoded as soon as its file is read, while the other files are still read.
 */
export async function decodeInput(input: BatchPayload | readonly Part[]): Promise<DecodedInput> {
	if (!Array.isArray(input)) {
		const batch = input as BatchPayload;
		const asBytes = batch instanceof Uint8Array;
		return {
			tasks: await readBatch(batch),
			byteLength: asBytes ? batch.byteLength : 0,
			asBytes,
		};
	}
	let byteLength = 0;
	const parts = await Promise.all(
		input.map(async (part: Part) => {
			const bytes = await readPart(part);
			byteLength += bytes.byteLength;
			return decodeTasks(bytes);
		}),
	);
	return { tasks: parts.flat(), byteLength, asBytes: true };
}
