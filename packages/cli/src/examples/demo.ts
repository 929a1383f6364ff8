import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Pipeline } from "@curator/core";
import {
	type BuiltinFilterSpec,
	DEFAULT_HASH_FIELD,
	ExactDuplicateFilter,
	JsonlReader,
	JsonlWriter,
	NormalizedTextHasher,
	type OutputMode,
	ScoreFilter,
} from "@curator/text";

/** What the CLI passes to a `createPipeline(options)` export. */
export interface PipelineOptions {
	/** `--input`: files or folder to read; the pipeline's default when omitted. */
	input?: string;
	/** `--output`: folder to write to. */
	output: string;
	/**
	 * `--mode`: what the writers do with a used output folder (the CLI's
	 * default is `error`); pass it to every `JsonlWriter` (or other file sink).
	 */
	mode?: OutputMode;
	/** `--batch-size`: tasks per stage call, when given. */
	batchSize?: number;
	/** `--workers`: workers per stage, when given (the backend applies it). */
	workers?: number;
}

/** The demo's filters, in pipeline order (also used by the benchmark's hand-written loop). */
export const demoFilters: readonly BuiltinFilterSpec[] = [
	{ kind: "wordCount", min: 50, max: 100_000 },
	{ kind: "meanWordLength", min: 3, max: 10 },
	{ kind: "nonAlphaNumeric", max: 0.25 },
	{ kind: "urlRatio", max: 0.2 },
	{ kind: "repeatedLines", max: 0.3 },
	{ kind: "topNGram", n: 2, max: 0.2 },
];

/** The folder of the embedded sample (`packages/cli/sample`), from the sources or the build. */
export function sampleDir(): string {
	for (const relative of ["../sample/", "../../sample/"]) {
		const dir = fileURLToPath(new URL(relative, import.meta.url));
		if (existsSync(`${dir}part-0000.jsonl.gz`)) return dir;
	}
	throw new Error("the embedded sample is missing from this installation of @curator/cli");
}

/** Most documents per batch the demo's reader makes (a larger file gives several batches). */
export const DEMO_ROWS_PER_BATCH = 16_384;

/**
 * The demo text-curation pipeline: read JSONL (default: the embedded
 * sample) in batches of at most {@link DEMO_ROWS_PER_BATCH} documents, the heuristic filters of {@link demoFilters}, exact duplicate
 * removal (hashes computed in parallel, looked up by one worker), and JSONL
 * files in `output`.
 */
export function createDemoPipeline(options: PipelineOptions): Pipeline {
	const batch = options.batchSize === undefined ? {} : { batchSize: options.batchSize };
	return new Pipeline({
		name: "demo",
		description: "heuristic filters and exact dedup over JSONL documents",
		stages: [
			// Bounded batches: a large input file is spread over the workers, and each call stays small.
			new JsonlReader({ paths: options.input ?? sampleDir(), rowsPerBatch: DEMO_ROWS_PER_BATCH }),
			...demoFilters.map((spec) => new ScoreFilter(spec, batch)),
			// Hashing runs on every worker; the one-worker dedup stage then only looks hashes up.
			new NormalizedTextHasher(batch),
			new ExactDuplicateFilter({ hashField: DEFAULT_HASH_FIELD }),
			new JsonlWriter({
				path: options.output,
				...(options.mode === undefined ? {} : { mode: options.mode }),
				...batch,
			}),
		],
	});
}

/** `curator run demo` loads this, like any pipeline file. */
export const createPipeline = createDemoPipeline;
