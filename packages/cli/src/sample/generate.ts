import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { SeededRandom } from "./random.ts";
import { words as w } from "./words.ts";

/** The kinds of documents in the sample, each aimed at one filter (or at none). */
export const sampleCategories = [
	"good",
	"short",
	"garbage",
	"symbols",
	"urls",
	"boilerplate",
	"ngram",
	"duplicate",
] as const;

/** One of {@link sampleCategories}. */
export type SampleCategory = (typeof sampleCategories)[number];

/** A generated document, one JSONL record. */
export interface SampleDocument {
	id: string;
	category: SampleCategory;
	text: string;
}

/** Cumulative share of each category (the rest is `good`). */
const mix: readonly [SampleCategory, number][] = [
	["short", 0.1],
	["garbage", 0.13],
	["symbols", 0.18],
	["urls", 0.23],
	["boilerplate", 0.3],
	["ngram", 0.35],
	["duplicate", 0.42],
];

/** Seed of the embedded sample. */
export const SAMPLE_SEED = 7;

/**
 * Generates `count` documents deterministically from `seed`: good prose,
 * and documents that are too short, full of long garbage words, of symbols,
 * of URLs, of repeated boilerplate lines, of one repeated phrase, or exact
 * and case/whitespace copies of earlier good documents. Memory stays
 * constant, so it also feeds million-document benchmarks.
 */
export function* generateDocuments(count: number, seed = SAMPLE_SEED): Generator<SampleDocument> {
	const random = new SeededRandom(seed);
	const recent: string[] = [];
	for (let i = 0; i < count; i++) {
		const roll = random.next();
		let category: SampleCategory = mix.find(([, upTo]) => roll < upTo)?.[0] ?? "good";
		if (category === "duplicate" && recent.length === 0) category = "good";
		const text = makeText(category, random, recent);
		if (category === "good") {
			if (recent.length < 256) recent.push(text);
			else recent[random.int(0, recent.length - 1)] = text;
		}
		yield { id: `doc-${String(i).padStart(7, "0")}`, category, text };
	}
}

function makeText(category: SampleCategory, random: SeededRandom, recent: string[]): string {
	switch (category) {
		case "good":
			return paragraphs(random, random.int(2, 4));
		case "short":
			return sentence(random);
		case "garbage":
			return garbage(random);
		case "symbols":
			return symbols(random);
		case "urls":
			return urls(random);
		case "boilerplate":
			return boilerplate(random);
		case "ngram":
			return ngram(random);
		case "duplicate":
			return duplicate(random, recent);
	}
}

function sentence(random: SeededRandom): string {
	const adj = () => random.pick(w.adjectives);
	const noun = () => random.pick(w.nouns);
	switch (random.int(0, 4)) {
		case 0:
			return `The ${adj()} ${noun()} ${random.pick(w.verbs)} the ${noun()} near the ${random.pick(w.places)}.`;
		case 1:
			return `${random.pick(w.adverbs)}, the ${random.pick(w.people)} ${random.pick(w.pastVerbs)} ${random.int(2, 90)} ${noun()}s in the ${random.pick(w.places)}.`;
		case 2:
			return `In ${random.int(1850, 2024)}, the ${random.pick(w.organizations)} agreed on a ${adj()} plan to ${random.pick(w.infinitives)} ${random.pick(w.topics)}.`;
		case 3:
			return `${random.pick(w.names)} said that the ${noun()} was ${adj()} and ${adj()} this year.`;
		default:
			return `This ${noun()} is ${adj()} for ${random.pick(w.people)} who care about ${random.pick(w.topics)}.`;
	}
}

function paragraph(random: SeededRandom): string {
	const sentences: string[] = [];
	for (let i = random.int(3, 6); i > 0; i--) sentences.push(sentence(random));
	return sentences.join(" ");
}

function paragraphs(random: SeededRandom, count: number): string {
	const out: string[] = [];
	for (let i = 0; i < count; i++) out.push(paragraph(random));
	return out.join("\n\n");
}

function garbage(random: SeededRandom): string {
	const letters = "bcdfghjklmnpqrstvwxz";
	const tokens: string[] = [];
	for (let i = random.int(60, 120); i > 0; i--) {
		let token = "";
		for (let j = random.int(12, 24); j > 0; j--)
			token += letters[random.int(0, letters.length - 1)];
		tokens.push(token);
	}
	return tokens.join(" ");
}

function symbols(random: SeededRandom): string {
	const tokens: string[] = [];
	for (let i = random.int(60, 100); i > 0; i--) {
		tokens.push(random.next() < 0.6 ? random.pick(w.symbols) : random.pick(w.spam).toUpperCase());
	}
	return tokens.join(" ");
}

function urls(random: SeededRandom): string {
	const parts: string[] = [];
	for (let i = random.int(5, 8); i > 0; i--) {
		parts.push(sentence(random));
		parts.push(
			`https://${random.pick(w.domains)}/p/${random.int(10000, 99999)}?ref=${random.pick(w.spam)}${random.int(100, 999)}`,
		);
	}
	return parts.join(" ");
}

function boilerplate(random: SeededRandom): string {
	const lines = [paragraph(random), paragraph(random)];
	const chrome = [
		random.pick(w.boilerplate),
		random.pick(w.boilerplate),
		random.pick(w.boilerplate),
	];
	for (let i = random.int(3, 5); i > 0; i--) lines.push(...chrome);
	return lines.join("\n");
}

function ngram(random: SeededRandom): string {
	const phrase = `${random.pick(w.spam)} ${random.pick(w.spam)} ${random.pick(w.nouns)}`;
	const parts = [sentence(random)];
	for (let i = random.int(20, 30); i > 0; i--) parts.push(phrase);
	parts.push(sentence(random));
	return parts.join(" ");
}

function duplicate(random: SeededRandom, recent: string[]): string {
	const original = random.pick(recent);
	switch (random.int(0, 2)) {
		case 0:
			return original;
		case 1:
			return original.toUpperCase();
		default:
			return original.replaceAll(" ", "  ").replaceAll("\n\n", "\n \n");
	}
}

/** Options of {@link writeDocuments}. */
export interface WriteDocumentsOptions {
	/** Folder to write to (created when missing). */
	dir: string;
	/** Number of documents. */
	count: number;
	/** Number of files; documents are spread evenly, in order. Default 1. */
	files?: number;
	/** Generator seed. Default {@link SAMPLE_SEED}. */
	seed?: number;
	/** Write `.jsonl.gz` instead of `.jsonl`. Default `false`. */
	gzip?: boolean;
}

/** Writes generated documents as `part-0000.jsonl[.gz]`, ...; returns the file paths. */
export async function writeDocuments(options: WriteDocumentsOptions): Promise<string[]> {
	const files = options.files ?? 1;
	await mkdir(options.dir, { recursive: true });
	const documents = generateDocuments(options.count, options.seed ?? SAMPLE_SEED);
	const paths: string[] = [];
	for (let f = 0; f < files; f++) {
		const inFile = Math.floor(options.count / files) + (f < options.count % files ? 1 : 0);
		const path = join(
			options.dir,
			`part-${String(f).padStart(4, "0")}.jsonl${options.gzip ? ".gz" : ""}`,
		);
		const lines = Readable.from(take(documents, inFile), { objectMode: true });
		const sink = createWriteStream(path);
		if (options.gzip) await pipeline(lines, createGzip({ level: 9 }), sink);
		else await pipeline(lines, sink);
		paths.push(path);
	}
	return paths;
}

function* take(documents: Generator<SampleDocument>, count: number): Generator<string> {
	let chunk = "";
	for (let i = 0; i < count; i++) {
		const next = documents.next();
		if (next.done) break;
		chunk += `${JSON.stringify(next.value)}\n`;
		if (chunk.length > 1 << 20) {
			yield chunk;
			chunk = "";
		}
	}
	if (chunk.length > 0) yield chunk;
}
