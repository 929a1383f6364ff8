import { describe, expect, it } from "vitest";
import {
	benchmark,
	benchmarks,
	formatResult,
	measureCommand,
	registerBenchmark,
} from "../src/harness.ts";
import { PeakRssSampler, processTree, rssBytes, treeRssBytes } from "../src/rss.ts";

describe("benchmark registry", () => {
	it("registers, lists and finds benchmarks by name; rejects duplicates and unknown names", async () => {
		registerBenchmark({
			name: "test-noop",
			description: "does nothing",
			flags: { n: { default: "1", description: "a number" } },
			run: async (flags) => ({ rows: [{ name: "x", n: Number(flags.n) }] }),
		});
		expect(benchmarks().map((b) => b.name)).toContain("test-noop");
		expect(await benchmark("test-noop").run({ n: "3" }, () => {})).toEqual({
			rows: [{ name: "x", n: 3 }],
		});
		expect(() => benchmark("nope")).toThrow(/unknown benchmark "nope" \(known: .*test-noop/);
		expect(() =>
			registerBenchmark({
				name: "test-noop",
				description: "",
				flags: {},
				run: async () => ({ rows: [] }),
			}),
		).toThrow(/already registered/);
	});
});

describe("formatResult", () => {
	it("prints a table with numbers right-aligned, missing cells as '-', and the notes", () => {
		const text = formatResult("demo", {
			columns: ["runner", "seconds", "note"],
			rows: [
				{ runner: "floor", seconds: 1.234, note: "ok" },
				{ runner: "local", seconds: 123.4 },
			],
			notes: { documents: 10 },
		});
		expect(text).toBe(
			[
				"demo",
				"runner  seconds  note",
				"------  -------  ----",
				"floor      1.23  ok",
				"local       123  -",
				"  documents: 10",
			].join("\n"),
		);
	});
});

describe("peak RSS of a process tree", () => {
	it("finds a process's descendants and their memory in /proc", () => {
		const tree = processTree(process.pid);
		expect(tree[0]).toBe(process.pid);
		expect(rssBytes(process.pid)).toBeGreaterThan(10 * 2 ** 20);
		// Memory moves between two reads, so compare with a margin.
		expect(treeRssBytes(process.pid)).toBeGreaterThan(10 * 2 ** 20);
		expect(rssBytes(-1)).toBe(0);
	});

	it("keeps the peak of the samples taken", () => {
		const sampler = new PeakRssSampler(process.pid, 60_000);
		const first = sampler.peakBytes;
		sampler.sample();
		expect(sampler.samples).toBe(2);
		expect(sampler.stop()).toBeGreaterThanOrEqual(first);
	});

	it("measures a child tree that holds memory: a child and a grandchild", async () => {
		// The grandchild holds ~64 MiB and the child waits for it, so the tree's peak exceeds it.
		const grandchild =
			'const b = Buffer.alloc(64 * 2 ** 20, 1); setTimeout(() => process.stdout.write(String(b[0]) + "\\n"), 1500);';
		const child = `const { execFileSync } = require("node:child_process"); process.stdout.write(execFileSync(process.execPath, ["-e", ${JSON.stringify(grandchild)}]));`;
		const measure = await measureCommand(process.execPath, ["-e", child], { sampleMs: 20 });
		expect(measure.code).toBe(0);
		expect(measure.stdout).toBe("1\n");
		expect(measure.peakRssBytes).toBeGreaterThan(64 * 2 ** 20);
		expect(measure.wallS).toBeGreaterThan(0);
	});
});
