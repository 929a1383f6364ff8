import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { type DocumentBatch, describeFile, FileGroupTask, JsonlReaderStage } from "@curator/text";
import { describe, expect, it } from "vitest";
import {
	createDemoPipeline,
	DEMO_ROWS_PER_BATCH,
	generateDocuments,
	SAMPLE_COUNT,
	SAMPLE_FILES,
	SeededRandom,
	sampleDir,
	writeDocuments,
} from "../src/index.ts";
import { tempDir } from "./helpers.ts";

const expected = JSON.parse(
	await readFile(new URL("../sample/expected.json", import.meta.url), "utf8"),
) as {
	documents: number;
	files: number;
	categories: Record<string, number>;
	itemsOut: Record<string, number>;
	written: number;
	outputFiles: number;
};

async function shipped(dir: string): Promise<string[]> {
	const names = (await readdir(dir)).filter((n) => n.endsWith(".jsonl.gz")).sort();
	return Promise.all(names.map(async (n) => gunzipSync(await readFile(join(dir, n))).toString()));
}

describe("embedded sample", () => {
	it("is exactly what the seeded generator writes", async () => {
		const dir = await tempDir();
		await writeDocuments({ dir, count: SAMPLE_COUNT, files: SAMPLE_FILES, gzip: true });
		const regenerated = await shipped(dir);
		const files = await shipped(sampleDir());
		expect(files.length).toBe(expected.files);
		expect(files).toEqual(regenerated);
	});

	it("has the documented mix of document kinds", () => {
		const counts: Record<string, number> = {};
		for (const doc of generateDocuments(SAMPLE_COUNT)) {
			counts[doc.category] = (counts[doc.category] ?? 0) + 1;
		}
		expect(SAMPLE_COUNT).toBe(expected.documents);
		expect(counts).toEqual(expected.categories);
	});

	it("is documented in the README with the expected counts", async () => {
		const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
		for (const [stage, count] of Object.entries(expected.itemsOut)) {
			expect(readme).toMatch(
				new RegExp(`\\| \`${stage}\`[^|]*\\| ${count.toLocaleString("en-US")} \\|`),
			);
		}
		expect(readme).toContain(
			`${expected.written.toLocaleString("en-US")} documents in ${expected.outputFiles} files`,
		);
	});

	it("generates the same documents for the same seed, and others for another", () => {
		const first = [...generateDocuments(50, 1)];
		expect([...generateDocuments(50, 1)]).toEqual(first);
		expect([...generateDocuments(50, 2)]).not.toEqual(first);
		const random = new SeededRandom(3);
		const values = Array.from({ length: 1000 }, () => random.next());
		expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
		expect(Math.max(...values)).toBeLessThan(1);
	});
});

export { expected };

describe("demo pipeline", () => {
	it("reads in batches of at most DEMO_ROWS_PER_BATCH documents, so a large file spreads over workers", async () => {
		const dir = await tempDir();
		await writeDocuments({ dir, count: DEMO_ROWS_PER_BATCH + 10, files: 1 });
		const stages = createDemoPipeline({ input: dir, output: join(dir, "out") }).build();
		const reader = stages.find((stage) => stage instanceof JsonlReaderStage);
		expect(reader?.rowsPerBatch).toBe(DEMO_ROWS_PER_BATCH);
		const file = await describeFile(dir, "part-0000.jsonl");
		const task = new FileGroupTask({ datasetName: "d", data: [file] });
		const out = (await reader?.process(task)) as DocumentBatch[];
		expect(out.map((batch) => batch.numItems)).toEqual([DEMO_ROWS_PER_BATCH, 10]);
	});
});
