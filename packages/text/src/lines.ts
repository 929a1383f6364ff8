import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

/**
 * Streams the lines of a text file (gzip-compressed when the name ends in
 * `.gz`) in chunks of `lines`, so a large file is never held whole. Line
 * numbers start at 1; `\r\n` endings are accepted.
 */
export async function* readLineChunks(
	path: string,
	chunkBytes = 1 << 20,
): AsyncGenerator<{ firstLine: number; lines: string[] }> {
	let stream: Readable = createReadStream(path, { highWaterMark: chunkBytes });
	if (path.endsWith(".gz")) stream = stream.pipe(createGunzip());
	stream.setEncoding("utf8");
	let rest = "";
	let lineNumber = 1;
	for await (const chunk of stream as AsyncIterable<string>) {
		const text = rest + chunk;
		const lines: string[] = [];
		let start = 0;
		let end = text.indexOf("\n", start);
		while (end !== -1) {
			lines.push(
				text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end),
			);
			start = end + 1;
			end = text.indexOf("\n", start);
		}
		rest = text.slice(start);
		if (lines.length > 0) {
			yield { firstLine: lineNumber, lines };
			lineNumber += lines.length;
		}
	}
	if (rest.length > 0) yield { firstLine: lineNumber, lines: [rest] };
}
