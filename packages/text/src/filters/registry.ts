import { CuratorError, ErrorCodes } from "@curator/core";
import {
	meanWordLength,
	nonAlphaNumericRatio,
	repeatedLinesFraction,
	topNGramFraction,
	urlRatio,
	wordCount,
} from "./scores.ts";

/** Keeps documents with `min <= words <= max`. */
export interface WordCountSpec {
	readonly kind: "wordCount";
	readonly min?: number;
	readonly max?: number;
}

/** Keeps documents whose mean word length is within `[min, max]`. */
export interface MeanWordLengthSpec {
	readonly kind: "meanWordLength";
	readonly min?: number;
	readonly max?: number;
}

/** Keeps documents whose share of symbol characters is at most `max`. */
export interface NonAlphaNumericSpec {
	readonly kind: "nonAlphaNumeric";
	readonly max: number;
}

/** Keeps documents whose share of URL characters is at most `max`. */
export interface UrlRatioSpec {
	readonly kind: "urlRatio";
	readonly max: number;
}

/** Keeps documents whose fraction of repeated lines is at most `max`. */
export interface RepeatedLinesSpec {
	readonly kind: "repeatedLines";
	readonly max: number;
}

/** Keeps documents whose top word `n`-gram covers at most `max` of the word characters. */
export interface TopNGramSpec {
	readonly kind: "topNGram";
	readonly n: number;
	readonly max: number;
}

/** A filter registered with {@link registerDocumentFilter}, by kind, with its parameters. */
export interface CustomFilterSpec {
	readonly kind: string;
	readonly [param: string]: unknown;
}

/** The built-in filters, as plain data (what a `ScoreFilter` holds and sends to workers). */
export type BuiltinFilterSpec =
	| WordCountSpec
	| MeanWordLengthSpec
	| NonAlphaNumericSpec
	| UrlRatioSpec
	| RepeatedLinesSpec
	| TopNGramSpec;

/** Any filter spec: a built-in one or a registered custom kind. */
export type FilterSpec = BuiltinFilterSpec | CustomFilterSpec;

/**
 * The code behind a filter kind. Module-level and looked up by `kind`, so a
 * stage carries only its spec (plain data) and a worker finds the same code
 * by importing the module that registered it.
 */
export interface DocumentFilterDefinition<S extends FilterSpec = FilterSpec> {
	/** Unique kind, the `kind` of its specs. */
	kind: string;
	/** Default name of the score column, e.g. `word_count`. */
	scoreField: string | ((spec: S) => string);
	/** Throws when the spec's parameters are invalid. */
	validate(spec: S): void;
	/** The document's score. */
	score(text: string, spec: S): number;
	/** Whether a document with this score is kept. */
	keep(score: number, spec: S): boolean;
}

const definitions = new Map<string, DocumentFilterDefinition>();

/** Registers a filter kind (call it at module level in the module defining it). */
export function registerDocumentFilter<S extends FilterSpec>(
	definition: DocumentFilterDefinition<S>,
): void {
	definitions.set(definition.kind, definition as unknown as DocumentFilterDefinition);
}

/** The definition of `kind`; throws naming the known kinds when it is unknown. */
export function documentFilter(kind: string): DocumentFilterDefinition {
	const found = definitions.get(kind);
	if (found === undefined) {
		throw new CuratorError(
			ErrorCodes.invalidStage,
			`unknown filter kind "${kind}" (known: ${[...definitions.keys()].join(", ")})`,
		);
	}
	return found;
}

/** Kinds registered so far. */
export function documentFilterKinds(): string[] {
	return [...definitions.keys()];
}

function within(value: number, spec: { min?: number; max?: number }): boolean {
	return value >= (spec.min ?? Number.NEGATIVE_INFINITY) && value <= (spec.max ?? Infinity);
}

function checkNumber(kind: string, name: string, value: unknown, optional: boolean): void {
	if (value === undefined && optional) return;
	if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
		throw new CuratorError(
			ErrorCodes.invalidStage,
			`filter "${kind}": ${name} must be a number >= 0, got ${String(value)}`,
		);
	}
}

function checkRange(spec: { kind: string; min?: number; max?: number }): void {
	checkNumber(spec.kind, "min", spec.min, true);
	checkNumber(spec.kind, "max", spec.max, true);
	if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
		throw new CuratorError(ErrorCodes.invalidStage, `filter "${spec.kind}": min > max`);
	}
}

function checkMax(spec: { kind: string; max: number }): void {
	checkNumber(spec.kind, "max", spec.max, false);
}

registerDocumentFilter<WordCountSpec>({
	kind: "wordCount",
	scoreField: "word_count",
	validate: checkRange,
	score: (text) => wordCount(text),
	keep: within,
});

registerDocumentFilter<MeanWordLengthSpec>({
	kind: "meanWordLength",
	scoreField: "mean_word_length",
	validate: checkRange,
	score: (text) => meanWordLength(text),
	keep: within,
});

registerDocumentFilter<NonAlphaNumericSpec>({
	kind: "nonAlphaNumeric",
	scoreField: "non_alphanumeric_ratio",
	validate: checkMax,
	score: (text) => nonAlphaNumericRatio(text),
	keep: (score, spec) => score <= spec.max,
});

registerDocumentFilter<UrlRatioSpec>({
	kind: "urlRatio",
	scoreField: "url_ratio",
	validate: checkMax,
	score: (text) => urlRatio(text),
	keep: (score, spec) => score <= spec.max,
});

registerDocumentFilter<RepeatedLinesSpec>({
	kind: "repeatedLines",
	scoreField: "repeated_lines_fraction",
	validate: checkMax,
	score: (text) => repeatedLinesFraction(text),
	keep: (score, spec) => score <= spec.max,
});

registerDocumentFilter<TopNGramSpec>({
	kind: "topNGram",
	scoreField: (spec) => `top_${spec.n}gram_fraction`,
	validate: (spec) => {
		checkMax(spec);
		if (!Number.isInteger(spec.n) || spec.n < 1 || spec.n > 10) {
			throw new CuratorError(
				ErrorCodes.invalidStage,
				`filter "topNGram": n must be a whole number from 1 to 10, got ${String(spec.n)}`,
			);
		}
	},
	score: (text, spec) => topNGramFraction(text, spec.n),
	keep: (score, spec) => score <= spec.max,
});
