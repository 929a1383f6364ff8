import { CuratorError, consumeStageMetrics } from "@curator/core";
import { describe, expect, it } from "vitest";
import {
	type DocumentBatch,
	documentFilterKinds,
	meanWordLength,
	nonAlphaNumericRatio,
	registerDocumentFilter,
	repeatedLinesFraction,
	ScoreFilter,
	topNGramFraction,
	urlRatio,
	wordCount,
} from "../src/index.ts";
import { batchOf, rebuild } from "./helpers.ts";

describe("scores", () => {
	it("counts words and their mean length", () => {
		expect(wordCount("  the quick\nbrown   fox ")).toBe(4);
		expect(wordCount("")).toBe(0);
		expect(meanWordLength("ab abcd")).toBe(3);
		expect(meanWordLength("   ")).toBe(0);
	});

	it("measures symbols among visible characters, Unicode letters counting as letters", () => {
		expect(nonAlphaNumericRatio("ab !!")).toBe(0.5);
		expect(nonAlphaNumericRatio("héllo wörld")).toBe(0);
		expect(nonAlphaNumericRatio("$$$$")).toBe(1);
		expect(nonAlphaNumericRatio("")).toBe(0);
	});

	it("measures the share of URL characters", () => {
		const url = "https://example.com/x";
		expect(urlRatio(`${url} ok`)).toBeCloseTo(url.length / (url.length + 3));
		expect(urlRatio("see www.example.org now")).toBeCloseTo(15 / 23);
		expect(urlRatio("no links here")).toBe(0);
	});

	it("measures repeated lines, ignoring blank lines and surrounding spaces", () => {
		expect(repeatedLinesFraction("a\nb\n a \n\nb")).toBe(0.5);
		expect(repeatedLinesFraction("one line")).toBe(0);
		expect(repeatedLinesFraction("")).toBe(0);
	});

	it("measures the coverage of the top n-gram, case-insensitively", () => {
		expect(topNGramFraction("Buy now buy now buy NOW", 2)).toBe(1);
		expect(topNGramFraction("a b c d", 2)).toBeCloseTo(2 / 4);
		expect(topNGramFraction("one", 2)).toBe(0);
		expect(topNGramFraction("x y x y z", 3)).toBeCloseTo(3 / 5);
	});
});

describe("ScoreFilter", () => {
	const texts = ["one two three four", "one", "one two", "a b c d e f"];

	it("keeps accepted documents and their scores as a typed column", async () => {
		const stage = new ScoreFilter({ kind: "wordCount", min: 2, max: 4 });
		expect(stage.name).toBe("WordCountFilter");
		const [out] = (await stage.processBatch([batchOf(texts)])) as DocumentBatch[];
		expect(out?.data.text).toEqual(["one two three four", "one two"]);
		expect(out?.data.word_count).toBeInstanceOf(Float64Array);
		expect(Array.from(out?.data.word_count as Float64Array)).toEqual([4, 2]);
		expect(consumeStageMetrics(stage)).toEqual({ kept: 2, dropped: 2 });
	});

	it("inverts, names the score column, drops scores on request", async () => {
		const inverted = new ScoreFilter(
			{ kind: "wordCount", min: 2, max: 4 },
			{ invert: true, scoreField: "n" },
		);
		const [out] = (await inverted.processBatch([batchOf(texts)])) as DocumentBatch[];
		expect(out?.data.text).toEqual(["one", "a b c d e f"]);
		expect(Array.from(out?.data.n as Float64Array)).toEqual([1, 6]);
		const bare = new ScoreFilter({ kind: "wordCount", min: 1 }, { keepScores: false });
		const [all] = (await bare.processBatch([batchOf(texts)])) as DocumentBatch[];
		expect(all?.columnNames).toEqual(["id", "text"]);
		expect(all?.numItems).toBe(4);
	});

	it("filters out a batch left empty", async () => {
		const stage = new ScoreFilter({ kind: "urlRatio", max: 0.1 });
		expect(await stage.processBatch([batchOf(["http://x.example/y"])])).toEqual([null]);
	});

	it("names the top n-gram score column after n", () => {
		expect(new ScoreFilter({ kind: "topNGram", n: 3, max: 0.2 }).scoreField).toBe(
			"top_3gram_fraction",
		);
	});

	it("rejects unknown kinds and invalid parameters at construction", () => {
		expect(() => new ScoreFilter({ kind: "nope" })).toThrow(/unknown filter kind "nope"/);
		expect(() => new ScoreFilter({ kind: "wordCount", min: 5, max: 1 })).toThrow(/min > max/);
		expect(() => new ScoreFilter({ kind: "urlRatio", max: -1 })).toThrow(CuratorError);
		expect(() => new ScoreFilter({ kind: "topNGram", n: 0, max: 0.2 })).toThrow(/whole number/);
	});

	it("holds only plain data, so a rebuilt copy filters the same way", async () => {
		const stage = new ScoreFilter({ kind: "meanWordLength", min: 2 });
		expect(structuredClone({ ...stage })).toEqual({ ...stage });
		const copy = rebuild(stage);
		const [out] = (await copy.processBatch([batchOf(["a b", "abc de"])])) as DocumentBatch[];
		expect(out?.data.text).toEqual(["abc de"]);
	});

	it("runs custom filters registered by kind", async () => {
		registerDocumentFilter<{ kind: "startsWith"; prefix: string }>({
			kind: "startsWith",
			scoreField: "starts",
			validate: () => {},
			score: (text, spec) => (text.startsWith(spec.prefix) ? 1 : 0),
			keep: (score) => score === 1,
		});
		expect(documentFilterKinds()).toContain("startsWith");
		const stage = new ScoreFilter({ kind: "startsWith", prefix: "on" });
		const [out] = (await stage.processBatch([batchOf(texts)])) as DocumentBatch[];
		expect(out?.numItems).toBe(3);
	});
});
