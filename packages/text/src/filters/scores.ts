/**
 * Pure scoring functions of the heuristic filters, one number per document.
 * They are exported on their own so a benchmark's hand-written loop (or any
 * other code) can apply exactly the same rules without a pipeline.
 */

const WORD = /\S+/g;
const URL = /\b(?:https?:\/\/|www\.)\S+/gi;

/** Whitespace-separated words of `text`. */
export function words(text: string): string[] {
	return text.match(WORD) ?? [];
}

/** Number of words. */
export function wordCount(text: string): number {
	return words(text).length;
}

/** Mean word length in characters (0 for a text without words). */
export function meanWordLength(text: string): number {
	const list = words(text);
	if (list.length === 0) return 0;
	let chars = 0;
	for (const word of list) chars += word.length;
	return chars / list.length;
}

/** Share of the non-whitespace characters that are neither letters nor digits (0 for empty text). */
export function nonAlphaNumericRatio(text: string): number {
	let visible = 0;
	let other = 0;
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code === 32 || (code >= 9 && code <= 13)) continue;
		visible += 1;
		const alnum =
			(code >= 48 && code <= 57) ||
			(code >= 65 && code <= 90) ||
			(code >= 97 && code <= 122) ||
			(code > 127 && /[\p{L}\p{N}]/u.test(text[i] as string));
		if (!alnum && !(code > 127 && /\s/u.test(text[i] as string))) other += 1;
	}
	return visible === 0 ? 0 : other / visible;
}

/** Share of the text's characters that belong to URLs (`http(s)://...`, `www....`). */
export function urlRatio(text: string): number {
	if (text.length === 0) return 0;
	let chars = 0;
	for (const match of text.matchAll(URL)) chars += match[0].length;
	return chars / text.length;
}

/** Share of the non-blank lines that repeat an earlier line (after trimming). */
export function repeatedLinesFraction(text: string): number {
	const seen = new Set<string>();
	let lines = 0;
	let repeated = 0;
	for (const raw of text.split("\n")) {
		const line = raw.trim();
		if (line.length === 0) continue;
		lines += 1;
		if (seen.has(line)) repeated += 1;
		else seen.add(line);
	}
	return lines === 0 ? 0 : repeated / lines;
}

/**
 * Share of the word characters covered by the most frequent word n-gram
 * (case-insensitive): occurrences of the top n-gram times its length in
 * characters, over the characters of all words, at most 1. A text with fewer
 * than `n` words scores 0.
 */
export function topNGramFraction(text: string, n: number): number {
	const list = words(text.toLowerCase());
	if (list.length < n) return 0;
	const ids = new Map<string, number>();
	const seq = new Int32Array(list.length);
	let totalChars = 0;
	for (let i = 0; i < list.length; i++) {
		const word = list[i] as string;
		totalChars += word.length;
		let id = ids.get(word);
		if (id === undefined) {
			id = ids.size;
			ids.set(word, id);
		}
		seq[i] = id;
	}
	const base = ids.size;
	const numeric = base ** n < Number.MAX_SAFE_INTEGER;
	const counts = new Map<number | string, number>();
	let best = 0;
	let bestStart = 0;
	for (let i = 0; i + n <= seq.length; i++) {
		let key: number | string = 0;
		if (numeric) {
			for (let j = 0; j < n; j++) key = (key as number) * base + (seq[i + j] as number);
		} else {
			key = Array.from(seq.subarray(i, i + n)).join(",");
		}
		const count = (counts.get(key) ?? 0) + 1;
		counts.set(key, count);
		if (count > best) {
			best = count;
			bestStart = i;
		}
	}
	let gramChars = 0;
	for (let j = 0; j < n; j++) gramChars += (list[bestStart + j] as string).length;
	return totalChars === 0 ? 0 : Math.min(1, (best * gramChars) / totalChars);
}
