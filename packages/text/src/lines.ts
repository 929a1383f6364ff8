import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { InputReadError } from "./errors.ts";

/** Consecutive lines of a file. */
export interface LineChunk {
	/** 1-based number of `lines[0]`. */
	firstLine: number;
	lines: string[];
	/** Numbers of the lines in `lines` that were not valid UTF-8 (bad bytes became U+FFFD). */
	invalidUtf8: number[];
}

const newline = 0x0a;
const byteOrderMark = "\ufeff";

/**
 * Streams the lines of a text file (gzip-compressed when the name ends in
 * `.gz`) in chunks of `lines`, so a large file is never held whole. Line
 * numbers start at 1; `\r\n` endings are accepted and a UTF-8 byte order
 * mark at the start is dropped. Bytes that are not UTF-8 become U+FFFD and
 * their lines are listed in `invalidUtf8`. A file that cannot be read (or a
 * corrupt or truncated `.gz`) fails with {@link InputReadError}, naming the
 * file and the line reached.
 */
export async function* readLineChunks(
	path: string,
	chunkBytes = 1 << 20,
): AsyncGenerator<LineChunk> {
	const source = createReadStream(path, { highWaterMark: chunkBytes });
	// pipeline, not pipe: an error of either stream reaches the reader (pipe leaves it hanging).
	const stream: Readable = path.endsWith(".gz")
		? pipeline(source, createGunzip(), () => {})
		: source;
	const iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
	let pending: Buffer[] = [];
	let lineNumber = 1;
	try {
		while (true) {
			const next = await nextBytes(iterator, path, lineNumber);
			if (next === undefined) break;
			const cut = next.lastIndexOf(newline);
			if (cut === -1) {
				pending.push(next);
				continue;
			}
			const head = next.subarray(0, cut + 1);
			const complete = pending.length === 0 ? head : Buffer.concat([...pending, head]);
			pending = cut + 1 < next.length ? [next.subarray(cut + 1)] : [];
			const chunk = decodeLines(complete, lineNumber);
			lineNumber += chunk.lines.length;
			yield chunk;
		}
		if (pending.length > 0) yield decodeLines(Buffer.concat(pending), lineNumber);
	} finally {
		// The reader may stop early (a malformed line): close the file now, not at garbage collection.
		source.destroy();
		stream.destroy();
	}
}

async function nextBytes(
	iterator: AsyncIterator<Buffer>,
	path: string,
	lineNumber: number,
): Promise<Buffer | undefined> {
	try {
		const next = await iterator.next();
		return next.done === true ? undefined : next.value;
	} catch (error) {
		throw new InputReadError(path, lineNumber, error);
	}
}

/** Decodes whole lines (`bytes` ends with a newline, or is a file's last line without one). */
function decodeLines(bytes: Buffer, firstLine: number): LineChunk {
	const chunk: LineChunk = { firstLine, lines: [], invalidUtf8: [] };
	if (isUtf8(bytes)) {
		splitText(bytes.toString("utf8"), chunk.lines);
	} else {
		// Rare: find the bad lines one by one. A newline byte is never part of a multi-byte character.
		let start = 0;
		while (start < bytes.length) {
			const end = bytes.indexOf(newline, start);
			const line = bytes.subarray(start, end === -1 ? bytes.length : end + 1);
			if (!isUtf8(line)) chunk.invalidUtf8.push(firstLine + chunk.lines.length);
			splitText(line.toString("utf8"), chunk.lines);
			start = end === -1 ? bytes.length : end + 1;
		}
	}
	if (firstLine === 1 && chunk.lines[0]?.startsWith(byteOrderMark)) {
		chunk.lines[0] = chunk.lines[0].slice(1);
	}
	return chunk;
}

/** Appends the lines of `text` to `lines`; a last line without a newline counts too. */
function splitText(text: string, lines: string[]): void {
	let start = 0;
	let end = text.indexOf("\n", start);
	while (end !== -1) {
		lines.push(
			text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end),
		);
		start = end + 1;
		end = text.indexOf("\n", start);
	}
	if (start < text.length) lines.push(text.slice(start));
}
