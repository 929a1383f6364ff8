import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalExecutor } from "@curator/backend-local";
import { Pipeline, ProcessingStage } from "@curator/core";
import { describe, expect, it } from "vitest";
import { type FileGroupTask, JsonlReader, JsonlWriter, readOutputManifest } from "../src/index.ts";
import { tempDir } from "./helpers.ts";

/** After the writer: fails on the third file while `poisoned`, as a bug fixed between two runs would. */
class Poison extends ProcessingStage<FileGroupTask, FileGroupTask> {
	override process(task: FileGroupTask): FileGroupTask {
		seen += 1;
		if (poisoned && seen === 3) throw new Error("poisoned third file");
		return task;
	}
}
let poisoned = false;
let seen = 0;

async function input(): Promise<string> {
	const dir = await tempDir();
	for (const tag of ["a", "b", "c", "d"]) {
		const rows = [1, 2].map((n) => JSON.stringify({ id: `${tag}${n}`, text: `${tag} ${n}` }));
		await writeFile(join(dir, `${tag}.jsonl`), `${rows.join("\n")}\n`);
	}
	return dir;
}

const pipeline = (from: string, to: string) =>
	new Pipeline({
		name: "resumable copy",
		stages: [
			new JsonlReader({ paths: from, filesPerPartition: 1 }),
			new JsonlWriter({ path: to }),
			new Poison(),
		],
	});

async function folder(path: string): Promise<Record<string, string>> {
	const names = (await readdir(path)).filter((name) => name.endsWith(".jsonl")).sort();
	return Object.fromEntries(
		await Promise.all(names.map(async (name) => [name, await readFile(join(path, name), "utf8")])),
	);
}

describe("JsonlWriter in a resumed run", () => {
	it("keeps the files of settled partitions, writes the rest again, and publishes what an uninterrupted run does", async () => {
		const from = await input();
		const clean = join(await tempDir(), "out");
		poisoned = false;
		await pipeline(from, clean).run(new LocalExecutor());

		const out = join(await tempDir(), "out");
		const checkpoint = join(await tempDir(), "ckpt");
		poisoned = true;
		seen = 0;
		await expect(
			pipeline(from, out).run(new LocalExecutor(), undefined, { checkpoint }),
		).rejects.toThrow("poisoned third file");
		// Nothing under a final name; the staging waits for the resume (default mode "error" accepts it).
		expect(await readdir(out)).toEqual(["_temporary"]);
		const done = (await readFile(join(checkpoint, "done.log"), "utf8")).trim().split("\n");
		expect(done).toHaveLength(2);

		poisoned = false;
		const resumed = await pipeline(from, out).run(new LocalExecutor(), undefined, { checkpoint });
		const reader = resumed.summary.stages.find((s) => s.stage === "JsonlReaderStage");
		expect(reader).toMatchObject({ tasksIn: 4, filteredTasks: 2 });
		expect(await folder(out)).toEqual(await folder(clean));
		const [manifest, cleanManifest] = [
			await readOutputManifest(out),
			await readOutputManifest(clean),
		];
		const withoutRun = (files = cleanManifest?.files ?? []) =>
			files.map(({ runId: _, ...file }) => file);
		expect(withoutRun(manifest?.files)).toEqual(withoutRun(cleanManifest?.files));
		expect(manifest?.files.every((file) => file.runId === resumed.runId)).toBe(true);
		expect(manifest?.runId).toBe(resumed.runId);
		expect(await readdir(out)).not.toContain("_temporary");
	});
});
