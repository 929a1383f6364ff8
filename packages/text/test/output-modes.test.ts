import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalExecutor } from "@curator/backend-local";
import { ErrorCodes, Pipeline, PreflightError, ProcessingStage, type Task } from "@curator/core";
import { describe, expect, it } from "vitest";
import {
	commitOutput,
	type FileGroupTask,
	JsonlReader,
	JsonlWriter,
	type OutputExistsError,
	type OutputMode,
	partNames,
	partNumber,
	readOutputManifest,
	stageFile,
} from "../src/index.ts";
import { runInfo, tempDir } from "./helpers.ts";

/** Fails on every task: a stage after the writer, so the writer has written when the run fails. */
class Explode extends ProcessingStage {
	override process(): Task {
		throw new Error("exploded after the writer");
	}
}

/** A folder of two JSONL inputs (three rows) whose rows start with `tag`. */
async function input(tag: string): Promise<string> {
	const dir = await tempDir();
	const row = (n: number) => JSON.stringify({ id: `${tag}${n}`, text: `${tag} ${n}` });
	await writeFile(join(dir, "a.jsonl"), `${row(1)}\n${row(2)}\n`);
	await writeFile(join(dir, "b.jsonl"), `${row(3)}\n`);
	return dir;
}

function copy(from: string, to: string, mode?: OutputMode, after: ProcessingStage[] = []) {
	const writer = new JsonlWriter({ path: to, ...(mode === undefined ? {} : { mode }) });
	return new Pipeline({
		name: "copy",
		stages: [new JsonlReader({ paths: from }), writer, ...after],
	});
}

/** The rows of every top-level `.jsonl` file of `folder`, sorted. */
async function rowsIn(folder: string): Promise<string[]> {
	const names = (await readdir(folder)).filter((name) => name.endsWith(".jsonl"));
	const texts = await Promise.all(names.map((name) => readFile(join(folder, name), "utf8")));
	return texts.flatMap((text) => text.split("\n").filter((line) => line !== "")).sort();
}

/** Asserts that `_SUCCESS` lists exactly the folder's data files with their real rows and bytes. */
async function expectManifestMatches(folder: string): Promise<void> {
	const manifest = await readOutputManifest(folder);
	const names = (await readdir(folder)).filter((name) => name !== "_SUCCESS").sort();
	expect(manifest?.files.map((file) => file.name)).toEqual(names);
	for (const file of manifest?.files ?? []) {
		const text = await readFile(join(folder, file.name), "utf8");
		expect([file.rows, file.bytes], file.name).toEqual([
			text.split("\n").length - 1,
			(await stat(join(folder, file.name))).size,
		]);
	}
	expect(manifest?.rows).toBe((await rowsIn(folder)).length);
}

describe("JsonlWriter output folder", () => {
	it("leaves only final files and _SUCCESS, whose manifest matches the folder", async () => {
		const out = join(await tempDir(), "out");
		const result = await copy(await input("x"), out).run(new LocalExecutor(), undefined, {
			runId: "first",
		});
		const names = (await readdir(out)).sort();
		expect(names.filter((name) => !name.endsWith(".jsonl"))).toEqual(["_SUCCESS"]);
		expect(names).toHaveLength(3);
		await expectManifestMatches(out);
		const manifest = await readOutputManifest(out);
		expect(manifest).toMatchObject({ format: "curator-output/1", runId: "first", rows: 3 });
		expect(manifest?.runs).toEqual([
			expect.objectContaining({ runId: "first", mode: "error", files: 2, rows: 3 }),
		]);
		expect(manifest?.runs[0]?.pipeline).toMatchObject({
			name: "copy",
			backend: "local",
			stages: [
				expect.objectContaining({ className: "FilePartitioningStage" }),
				expect.objectContaining({ className: "JsonlReaderStage" }),
				expect.objectContaining({ className: "JsonlWriter", role: "sink" }),
			],
		});
		expect(result.tasks.flatMap((task) => (task as FileGroupTask).paths()).sort()).toEqual(
			manifest?.files.map((file) => join(out, file.name)),
		);
	});

	it("leaves no file under a final name, no _SUCCESS and no staging when a later stage fails", async () => {
		const out = join(await tempDir(), "out");
		const run = copy(await input("x"), out, undefined, [new Explode()]).run(new LocalExecutor());
		await expect(run).rejects.toMatchObject({ code: ErrorCodes.stageFailed });
		expect(await readdir(out)).toEqual([]);
	});

	it("refuses a used folder by default before any stage runs, naming folder, option and the other modes", async () => {
		expect.assertions(4);
		const out = await tempDir();
		await writeFile(join(out, "old.jsonl"), "{}\n");
		const events: string[] = [];
		try {
			await copy(await input("x"), out).run(new LocalExecutor(), undefined, {
				onEvent: (event) => events.push(event.type),
			});
		} catch (error) {
			expect(error).toBeInstanceOf(PreflightError);
			const cause = (error as Error).cause as OutputExistsError;
			expect(cause).toMatchObject({ code: ErrorCodes.outputExists, folder: out });
			expect(cause.message).toBe(
				`JsonlWriter option "path": output folder ${out} is not empty (holds old.jsonl); JsonlWriter option "mode" is "error", which refuses a used folder: choose an empty folder, or set JsonlWriter option "mode" (curator run: --mode) to "overwrite" (replace the old output when this run succeeds), "append" (add this run's files) or "ignore" (write nothing)`,
			);
		}
		expect(events).not.toContain("stage:start");
	});

	it("overwrite replaces the previous output wholly, and only when the run succeeds", async () => {
		const out = join(await tempDir(), "out");
		await copy(await input("old"), out).run(new LocalExecutor());
		await writeFile(join(out, "stray-from-an-old-run.jsonl"), "{}\n");
		const before = await rowsIn(out);
		const failing = copy(await input("new"), out, "overwrite", [new Explode()]);
		await expect(failing.run(new LocalExecutor())).rejects.toThrow(/exploded/);
		expect(await rowsIn(out), "a failed overwrite leaves the old output").toEqual(before);
		expect(await readdir(out)).toContain("_SUCCESS");
		await copy(await input("new"), out, "overwrite").run(new LocalExecutor());
		expect((await rowsIn(out)).every((row) => row.includes('"new'))).toBe(true);
		expect(await rowsIn(out)).toHaveLength(3);
		await expectManifestMatches(out);
	});

	it("overwrite never deletes a file no sink wrote", async () => {
		const out = await tempDir();
		await writeFile(join(out, "notes.txt"), "mine");
		const run = copy(await input("x"), out, "overwrite").run(new LocalExecutor());
		await expect(run).rejects.toMatchObject({
			cause: {
				code: ErrorCodes.outputExists,
				message: expect.stringContaining("holds notes.txt, which no file sink wrote"),
			},
		});
		expect(await readdir(out)).toEqual(["notes.txt"]);
	});

	it("append numbers its files on after the folder's, never colliding, with a cumulative manifest", async () => {
		const out = join(await tempDir(), "out");
		await copy(await input("one"), out).run(new LocalExecutor(), undefined, { runId: "r1" });
		const before = await readFile(join(out, "part-00000.jsonl"), "utf8");
		const second = await copy(await input("two"), out, "append").run(
			new LocalExecutor(),
			undefined,
			{ runId: "r2" },
		);
		await copy(await input("three"), out, "append").run(new LocalExecutor(), undefined, {
			runId: "r3",
		});
		expect(await rowsIn(out)).toHaveLength(9);
		await expectManifestMatches(out);
		const manifest = await readOutputManifest(out);
		expect(manifest?.runs.map((run) => [run.runId, run.mode, run.rows])).toEqual([
			["r1", "error", 3],
			["r2", "append", 3],
			["r3", "append", 3],
		]);
		expect(manifest?.files.map((file) => [file.name, file.runId])).toEqual([
			["part-00000.jsonl", "r1"],
			["part-00001.jsonl", "r1"],
			["part-00002.jsonl", "r2"],
			["part-00003.jsonl", "r2"],
			["part-00004.jsonl", "r3"],
			["part-00005.jsonl", "r3"],
		]);
		expect(await readFile(join(out, "part-00000.jsonl"), "utf8"), "r1's file").toBe(before);
		expect(second.tasks.flatMap((task) => (task as FileGroupTask).paths()).sort()).toEqual([
			join(out, "part-00002.jsonl"),
			join(out, "part-00003.jsonl"),
		]);
	});

	it("append refuses a used folder that is not a finished output", async () => {
		const out = await tempDir();
		await writeFile(join(out, "part.jsonl"), "{}\n");
		const run = copy(await input("x"), out, "append").run(new LocalExecutor());
		await expect(run).rejects.toMatchObject({
			cause: { code: ErrorCodes.outputExists, message: expect.stringContaining("no _SUCCESS") },
		});
	});

	it("ignore writes nothing into a used folder and leaves it as it was", async () => {
		const out = await tempDir();
		await writeFile(join(out, "old.jsonl"), "{}\n");
		const result = await copy(await input("x"), out, "ignore").run(new LocalExecutor());
		expect(await readdir(out)).toEqual(["old.jsonl"]);
		expect(result.tasks.map((task) => task.data)).toEqual([[], []]);
	});

	it("rejects an unknown mode when the writer is built", () => {
		expect(() => new JsonlWriter({ path: "out", mode: "replace" as OutputMode })).toThrow(
			'JsonlWriter: unknown mode "replace" (one of: error, overwrite, append, ignore)',
		);
	});
});

describe("commitOutput", () => {
	const commit = (folder: string, runId = "r") => ({
		folder,
		runId,
		extension: ".jsonl",
		pipeline: runInfo().pipeline,
	});

	it("names the files part-00000... in task-id order and maps each to its task id in the manifest", async () => {
		const out = await tempDir();
		// compareTaskIds order: numeric segments by value, then others; any character survives.
		for (const taskId of ["0_10", "0_2", "x/y é", "0_1"]) {
			await stageFile(out, "r", taskId, `${taskId}\n`, 1);
		}
		const manifest = await commitOutput({ ...commit(out), mode: "error" });
		expect(manifest.files.map((file) => [file.name, file.taskId])).toEqual([
			["part-00000.jsonl", "0_1"],
			["part-00001.jsonl", "0_2"],
			["part-00002.jsonl", "0_10"],
			["part-00003.jsonl", "x/y é"],
		]);
		for (const file of manifest.files) {
			expect(await readFile(join(out, file.name), "utf8")).toBe(`${file.taskId}\n`);
		}
		expect((await readdir(out)).sort()).toEqual([
			"_SUCCESS",
			...manifest.files.map((file) => file.name),
		]);
	});

	it("append numbers on past every part file of the folder, listed in the manifest or not", async () => {
		const out = await tempDir();
		await stageFile(out, "r1", "a", "a\n", 1);
		await commitOutput({ ...commit(out, "r1"), mode: "error" });
		await writeFile(join(out, "part-00007.jsonl.gz"), "stray");
		await stageFile(out, "r2", "a", "a again\n", 1);
		const manifest = await commitOutput({ ...commit(out, "r2"), mode: "append" });
		expect(manifest.files.map((file) => [file.name, file.runId])).toEqual([
			["part-00000.jsonl", "r1"],
			["part-00008.jsonl", "r2"],
		]);
		expect(await readFile(join(out, "part-00000.jsonl"), "utf8")).toBe("a\n");
	});

	it("never replaces an existing file in error mode, and marks nothing finished then", async () => {
		const out = await tempDir();
		await writeFile(join(out, "part-00000.jsonl"), "old\n");
		await stageFile(out, "r", "a", "new\n", 1);
		await expect(commitOutput({ ...commit(out), mode: "error" })).rejects.toThrow(
			`${join(out, "part-00000.jsonl")} already exists; mode "error" never replaces a file`,
		);
		expect(await readFile(join(out, "part-00000.jsonl"), "utf8")).toBe("old\n");
		expect(await readdir(out)).not.toContain("_SUCCESS");
	});

	it("refuses two staged versions of one task (a stage that is not deterministic)", async () => {
		const out = await tempDir();
		await stageFile(out, "r", "a", "x\n", 1);
		await stageFile(out, "r", "a", "x\ny\n", 2);
		await expect(commitOutput({ ...commit(out), mode: "error" })).rejects.toThrow(
			"two staged versions of task a: a~1.staged, a~2.staged",
		);
	});

	it("stages under names no reader of *.jsonl lists, so a killed run shows no data file", async () => {
		const out = await tempDir();
		const path = await stageFile(out, "r", "a.jsonl", "x\n", 1);
		expect(path).toBe(join(out, "_temporary", "r", "a.jsonl~1.staged"));
		const all = await readdir(out, { recursive: true });
		expect(all.filter((name) => name.endsWith(".jsonl"))).toEqual([]);
	});
});

describe("part names", () => {
	it("have five digits, or as many as the run's last number needs, for all of its files", () => {
		expect(partNames(0, 2, ".jsonl")).toEqual(["part-00000.jsonl", "part-00001.jsonl"]);
		expect(partNames(99_999, 2, ".parquet")).toEqual([
			"part-099999.parquet",
			"part-100000.parquet",
		]);
		expect(partNames(3, 1, ".jsonl.gz")).toEqual(["part-00003.jsonl.gz"]);
		expect(partNames(0, 0, ".jsonl")).toEqual([]);
		expect(
			["part-00012.jsonl", "part-100000.jsonl.gz", "part-3", "parts-1.jsonl", "x"].map(partNumber),
		).toEqual([12, 100_000, 3, undefined, undefined]);
	});
});
