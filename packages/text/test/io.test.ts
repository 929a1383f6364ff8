import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { LocalExecutor } from "@curator/backend-local";
import { compareTaskIds, EmptyTask, Pipeline, StageError } from "@curator/core";
import { describe, expect, it } from "vitest";
import {
	type DocumentBatch,
	describeFile,
	FileGroupTask,
	FilePartitioningStage,
	fileGroupId,
	InputNotFoundError,
	JsonlReader,
	JsonlReaderStage,
	JsonlWriter,
	MalformedRecordError,
	readOutputManifest,
} from "../src/index.ts";
import { batchOf, groupOf, rebuild, runInfo, tempDir } from "./helpers.ts";

const line = (id: string, text: string): string => JSON.stringify({ id, text });

async function filesIn(dir: string, names: Record<string, string | Buffer>): Promise<string> {
	for (const [name, body] of Object.entries(names)) {
		await mkdir(join(dir, name, ".."), { recursive: true });
		await writeFile(join(dir, name), body);
	}
	return dir;
}

function groups(tasks: FileGroupTask[]): string[][] {
	return tasks.map((task) => task.data.map((file) => file.path));
}

describe("FilePartitioningStage", () => {
	it("lists matching files recursively, sorted, one per group by default", async () => {
		const dir = await filesIn(await tempDir(), {
			"b.jsonl": "",
			"a.jsonl.gz": "",
			"notes.txt": "",
			"sub/c.jsonl": "",
		});
		const out = await new FilePartitioningStage({ paths: dir }).process(new EmptyTask());
		expect(groups(out)).toEqual([["a.jsonl.gz"], ["b.jsonl"], ["sub/c.jsonl"]]);
	});

	it("groups by count or by size budget", async () => {
		const dir = await filesIn(await tempDir(), {
			"1.jsonl": "x".repeat(10),
			"2.jsonl": "x".repeat(10),
			"3.jsonl": "x".repeat(25),
		});
		const byCount = new FilePartitioningStage({ paths: dir, filesPerPartition: 2 });
		expect(groups(await byCount.process(new EmptyTask()))).toEqual([
			["1.jsonl", "2.jsonl"],
			["3.jsonl"],
		]);
		const bySize = new FilePartitioningStage({ paths: dir, blocksizeBytes: 20 });
		const sized = await bySize.process(new EmptyTask());
		expect(groups(sized)).toEqual([["1.jsonl", "2.jsonl"], ["3.jsonl"]]);
		expect(sized[0]?.metadata.totalBytes).toBe(20);
	});

	it("fails clearly on a missing path and on a folder without input files", async () => {
		expect.assertions(4);
		const dir = await filesIn(await tempDir(), { "readme.md": "" });
		const missing = new FilePartitioningStage({ paths: join(dir, "nope") });
		await expect(missing.process(new EmptyTask())).rejects.toThrow(
			`input path does not exist: ${join(dir, "nope")}`,
		);
		await expect(missing.process(new EmptyTask())).rejects.toBeInstanceOf(InputNotFoundError);
		const empty = new FilePartitioningStage({ paths: dir });
		await expect(empty.process(new EmptyTask())).rejects.toThrow(
			`no .jsonl or .jsonl.gz files in folder ${dir}`,
		);
		expect(() => new FilePartitioningStage({ paths: dir, filesPerPartition: 0 })).toThrow(
			/filesPerPartition/,
		);
	});
});

describe("JsonlReaderStage", () => {
	it("reads plain and gzip files into one batch, ignoring blank lines and CRLF", async () => {
		const dir = await filesIn(await tempDir(), {
			"a.jsonl": `${line("1", "one")}\r\n\n${line("2", "two")}`,
			"b.jsonl.gz": gzipSync(`${JSON.stringify({ id: "3", text: "three", lang: "en" })}\n`),
		});
		const task = groupOf(join(dir, "a.jsonl"), join(dir, "b.jsonl.gz"));
		const batch = (await new JsonlReaderStage().process(task)) as DocumentBatch;
		expect(batch.data).toEqual({
			id: ["1", "2", "3"],
			text: ["one", "two", "three"],
			lang: [null, null, "en"],
		});
	});

	it("keeps only the requested fields, text always, and can add the source file", async () => {
		const dir = await filesIn(await tempDir(), { "a.jsonl": `${line("1", "one")}\n` });
		const task = groupOf(join(dir, "a.jsonl"));
		const reader = new JsonlReaderStage({ fields: ["url"], filenameField: "file" });
		const batch = (await reader.process(task)) as DocumentBatch;
		expect(batch.data).toEqual({ text: ["one"], url: [null] });
		const withFile = new JsonlReaderStage({ filenameField: "file" });
		expect(((await withFile.process(task)) as DocumentBatch).data.file).toEqual([
			join(dir, "a.jsonl"),
		]);
	});

	it("names file and line of a malformed record", async () => {
		expect.assertions(4);
		const dir = await filesIn(await tempDir(), {
			"a.jsonl": `${line("1", "one")}\n{"id": "2", "text": \n${line("3", "x")}\n`,
			"b.jsonl": `${line("1", "one")}\n\n[1, 2]\n`,
			"c.jsonl": `{"id": "1", "text": 7}\n`,
		});
		const read = (name: string) => new JsonlReaderStage().process(groupOf(join(dir, name)));
		await expect(read("a.jsonl")).rejects.toThrow(
			new RegExp(`^malformed JSONL in ${join(dir, "a.jsonl")} at line 2: `),
		);
		await expect(read("a.jsonl")).rejects.toBeInstanceOf(MalformedRecordError);
		await expect(read("b.jsonl")).rejects.toThrow("at line 3: expected a JSON object");
		await expect(read("c.jsonl")).rejects.toThrow('field "text" is missing or not a string');
	});

	it("skips and counts malformed lines with onError: skip", async () => {
		const dir = await filesIn(await tempDir(), {
			"a.jsonl": `${line("1", "one")}\nnot json\n${line("3", "three")}\n`,
		});
		const stage = new JsonlReaderStage({ onError: "skip" });
		const task = groupOf(join(dir, "a.jsonl"));
		task.taskId = "t";
		const [out] = await stage.processBatch([task]);
		expect((out as DocumentBatch).data.id).toEqual(["1", "3"]);
		const { consumeStageMetrics } = await import("@curator/core");
		expect(consumeStageMetrics(stage)).toEqual({ records: 2, skippedLines: 1 });
		expect(() => new JsonlReaderStage({ onError: "ignore" as "skip" })).toThrow(/onError/);
	});
});

describe("JsonlReaderStage rowsPerBatch", () => {
	it("splits a large input into batches of at most rowsPerBatch documents, in order", async () => {
		const dir = await filesIn(await tempDir(), {
			"a.jsonl": ["1", "2", "3"].map((id) => line(id, `t${id}`)).join("\n"),
			"b.jsonl": ["4", "5"].map((id) => line(id, `t${id}`)).join("\n"),
		});
		const task = groupOf(join(dir, "a.jsonl"), join(dir, "b.jsonl"));
		const stage = new JsonlReaderStage({ rowsPerBatch: 2 });
		const out = (await stage.process(task)) as DocumentBatch[];
		expect(out.map((batch) => batch.data.id)).toEqual([["1", "2"], ["3", "4"], ["5"]]);
		expect(out.every((batch) => batch.metadata.sourceFiles !== undefined)).toBe(true);
		const { consumeStageMetrics } = await import("@curator/core");
		expect(consumeStageMetrics(stage)).toEqual({ records: 5 });
		const whole = (await new JsonlReaderStage({ rowsPerBatch: 5 }).process(task)) as DocumentBatch;
		expect(whole.data.id).toEqual(["1", "2", "3", "4", "5"]);
	});

	it("gives each batch its own id, and the same documents as one batch would", async () => {
		const dir = await filesIn(await tempDir(), {
			"a.jsonl": ["1", "2", "3", "4", "5"].map((id) => line(id, `t${id}`)).join("\n"),
		});
		const run = async (rowsPerBatch?: number) => {
			const { tasks } = await new Pipeline({
				name: "p",
				stages: [new JsonlReader({ paths: [dir], ...(rowsPerBatch ? { rowsPerBatch } : {}) })],
			}).run(new LocalExecutor());
			return tasks as DocumentBatch[];
		};
		const split = await run(2);
		const one = await run();
		expect(split.map((batch) => batch.numItems)).toEqual([2, 2, 1]);
		expect(new Set(split.map((batch) => batch.taskId)).size).toBe(3);
		expect(split.flatMap((batch) => batch.data.id)).toEqual(one[0]?.data.id);
	});

	it("rejects a rowsPerBatch that is not a whole number >= 1", () => {
		for (const bad of [0, -1, 1.5, Number.NaN]) {
			expect(() => new JsonlReaderStage({ rowsPerBatch: bad })).toThrow(
				/rowsPerBatch must be a whole number >= 1/,
			);
		}
	});
});

describe("JsonlWriter", () => {
	it("stages one file per task by task id, publishes it as part-00000.jsonl and points the task at it", async () => {
		const dir = await tempDir();
		const out = join(dir, "out");
		const writer = new JsonlWriter({ path: out, fields: ["text", "id"] });
		const run = runInfo();
		await writer.preflight(run);
		const written = await writer.process(batchOf(['say "hi"', "b"], "files-abc_0_0"));
		expect(written).toBeInstanceOf(FileGroupTask);
		expect(written.data[0], "until the commit, the staged file").toMatchObject({
			root: out,
			path: `_temporary/${run.runId}/files-abc_0_0~2.staged`,
		});
		await writer.commit(run);
		const [published] = (await writer.publishedOutputs([written], run)) as FileGroupTask[];
		expect(published?.paths()).toEqual([join(out, "part-00000.jsonl")]);
		expect(await readdir(out)).toEqual(["_SUCCESS", "part-00000.jsonl"]);
		expect(await readFile(join(out, "part-00000.jsonl"), "utf8")).toBe(
			'{"text":"say \\"hi\\"","id":"d0"}\n{"text":"b","id":"d1"}\n',
		);
		expect((await readOutputManifest(out))?.files).toEqual([
			{ name: "part-00000.jsonl", taskId: "files-abc_0_0", rows: 2, bytes: 55, runId: run.runId },
		]);
	});

	it("survives a rebuild from prototype and fields, run id included", async () => {
		const dir = await tempDir();
		const writer = new JsonlWriter({ path: dir });
		await writer.preflight(runInfo());
		await rebuild(writer).process(batchOf(["x"], "t1"));
		await writer.commit(runInfo());
		expect(await readFile(join(dir, "part-00000.jsonl"), "utf8")).toBe('{"id":"d0","text":"x"}\n');
	});
});

describe("JsonlReader composite", () => {
	it("reads a folder with content-derived task ids and writes it back", async () => {
		const input = await filesIn(await tempDir(), {
			"a.jsonl": `${line("1", "one")}\n${line("2", "two")}\n`,
			"b.jsonl": `${line("3", "three")}\n`,
		});
		const output = await tempDir();
		const pipeline = new Pipeline({
			name: "copy",
			stages: [new JsonlReader({ paths: input }), new JsonlWriter({ path: output })],
		});
		expect(pipeline.build().map((s) => [s.name, s.role])).toEqual([
			["FilePartitioningStage", "source"],
			["JsonlReaderStage", undefined],
			["JsonlWriter", "sink"],
		]);
		const first = await pipeline.run(new LocalExecutor());
		const again = new Pipeline({
			name: "copy",
			stages: [
				new JsonlReader({ paths: input }),
				new JsonlWriter({ path: output, mode: "overwrite" }),
			],
		});
		const second = await again.run(new LocalExecutor());
		const ids = first.tasks.map((t) => t.taskId);
		expect(ids).toEqual(second.tasks.map((t) => t.taskId));
		expect(ids).toEqual([
			`${fileGroupId([await describeFile(input, "a.jsonl")])}_0_0`,
			`${fileGroupId([await describeFile(input, "b.jsonl")])}_0_0`,
		]);
		const names = (await readdir(output)).filter((name) => name !== "_SUCCESS").sort();
		expect(names).toEqual(["part-00000.jsonl", "part-00001.jsonl"]);
		// Numbered in task-id order of the writer's input tasks (its outputs add `_0`), which the
		// manifest maps them to; the run's output tasks name the published files.
		const inputs = ids.map((id) => id.replace(/_0$/, ""));
		const ordered = [...inputs].sort(compareTaskIds);
		const manifest = await readOutputManifest(output);
		expect(manifest?.files.map((file) => [file.name, file.taskId])).toEqual(
			names.map((name, i) => [name, ordered[i]]),
		);
		expect(second.tasks.flatMap((task) => (task as FileGroupTask).paths())).toEqual(
			inputs.map((id) => join(output, names[ordered.indexOf(id)] as string)),
		);
		const all = await Promise.all(names.map((n) => readFile(join(output, n), "utf8")));
		expect(all.join("").trim().split("\n").length).toBe(3);
	});

	it("fails the run with the stage, task and file line named", async () => {
		expect.assertions(2);
		const input = await filesIn(await tempDir(), { "a.jsonl": "{oops\n" });
		const pipeline = new Pipeline({ name: "bad", stages: [new JsonlReader({ paths: input })] });
		try {
			await pipeline.run(new LocalExecutor());
		} catch (error) {
			expect(error).toBeInstanceOf(StageError);
			expect((error as Error).message).toMatch(
				/^stage "JsonlReaderStage" failed on tasks \[files-[0-9a-f]{16}\].*malformed JSONL in .*a\.jsonl at line 1/,
			);
		}
	});
});
