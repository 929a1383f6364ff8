import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, fixtures, tempDir } from "./helpers.ts";

const line = (id: string, text: string): string => `${JSON.stringify({ id, text })}\n`;

/** `curator run copy-pipeline.ts` from a folder holding one document `text` into `out`. */
async function copy(text: string, out: string, ...flags: string[]) {
	const input = await tempDir();
	await writeFile(join(input, "a.jsonl"), line("1", text));
	const args = ["run", join(fixtures, "copy-pipeline.ts"), "--input", input, "--output", out];
	return cli([...args, ...flags, "--json", "--progress", "none"]);
}

async function texts(out: string): Promise<string[]> {
	const names = (await readdir(out)).filter((name) => name.endsWith(".jsonl"));
	const bodies = await Promise.all(names.map((name) => readFile(join(out, name), "utf8")));
	return bodies.flatMap((body) =>
		body
			.trim()
			.split("\n")
			.map((row) => JSON.parse(row).text),
	);
}

describe("curator run --mode", () => {
	it("refuses a used --output by default, before any stage runs, saying which --mode to pick", async () => {
		const out = await tempDir();
		expect((await copy("first", out)).code).toBe(0);
		const { code, stdout, stderr } = await copy("second", out);
		expect(code).toBe(1);
		expect(stderr).toMatch(
			/^curator: run failed: stage "JsonlWriter" failed its pre-flight check: .* is not empty \(holds .*\); .*\(curator run: --mode\) to "overwrite"/,
		);
		const report = JSON.parse(stdout);
		expect(report.stages.filter((s: { itemsIn: number }) => s.itemsIn > 0)).toEqual([]);
		expect(await texts(out)).toEqual(["first"]);
	});

	it("overwrite replaces the folder's output, append adds to it", async () => {
		const out = await tempDir();
		await copy("first", out);
		expect((await copy("second", out, "--mode", "overwrite")).code).toBe(0);
		expect(await texts(out)).toEqual(["second"]);
		expect((await readdir(out)).sort()).toEqual(["_SUCCESS", "part-00000.jsonl"]);
		expect((await copy("third", out, "--mode", "append")).code).toBe(0);
		expect((await texts(out)).sort()).toEqual(["second", "third"]);
		const manifest = JSON.parse(await readFile(join(out, "_SUCCESS"), "utf8"));
		expect(manifest.runs.map((run: { mode: string }) => run.mode)).toEqual(["overwrite", "append"]);
		// Append numbers on: the earlier run's file keeps its name and content.
		const files = manifest.files.map((file: { name: string; taskId: string }) => file.name);
		expect(files).toEqual(["part-00000.jsonl", "part-00001.jsonl"]);
		expect(await readFile(join(out, "part-00000.jsonl"), "utf8")).toContain('"second"');
		expect(manifest.files.map((file: { taskId: unknown }) => typeof file.taskId)).toEqual([
			"string",
			"string",
		]);
	});

	it("ignore leaves a used folder as it was and succeeds", async () => {
		const out = await tempDir();
		await copy("first", out);
		const before = (await readdir(out)).sort();
		expect((await copy("second", out, "--mode", "ignore")).code).toBe(0);
		expect((await readdir(out)).sort()).toEqual(before);
		expect(await texts(out)).toEqual(["first"]);
	});

	it("cannot apply --mode to a file exporting a ready Pipeline (exit 2)", async () => {
		const { code, stderr } = await cli([
			"run",
			join(fixtures, "static-pipeline.ts"),
			"--mode",
			"overwrite",
		]);
		expect(code).toBe(2);
		expect(stderr).toContain("exports a ready Pipeline, so --mode cannot be applied");
	});
});
