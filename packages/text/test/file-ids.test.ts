import { cp, mkdir, rename, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EmptyTask } from "@curator/core";
import { describe, expect, it } from "vitest";
import {
	FileGroupTask,
	FilePartitioningStage,
	type FileRef,
	fileGroupId,
	JsonlReader,
} from "../src/index.ts";
import { rebuild, tempDir } from "./helpers.ts";

const line = (id: string, text: string): string => `${JSON.stringify({ id, text })}\n`;
const hour = new Date("2024-03-01T12:00:00Z");

async function inputFolder(dir: string): Promise<string> {
	await mkdir(join(dir, "sub"), { recursive: true });
	await writeFile(join(dir, "a.jsonl"), line("1", "one"));
	await writeFile(join(dir, "sub", "b.jsonl"), line("2", "two"));
	for (const name of ["a.jsonl", "sub/b.jsonl"]) await utimes(join(dir, name), hour, hour);
	return dir;
}

async function idsOf(
	paths: string | string[],
	identity: "stat" | "content" = "stat",
): Promise<string[]> {
	const groups = await new FilePartitioningStage({ paths, identity }).process(new EmptyTask());
	return groups.map((group) => group.deterministicId());
}

const ref = (path: string, root = "/data"): FileRef => ({
	root,
	path,
	input: 0,
	size: 10,
	mtime: 1_700_000_000,
});

describe("file group ids survive a move", () => {
	it("a renamed input folder gives the same ids", async () => {
		const before = await inputFolder(join(await tempDir(), "in"));
		const ids = await idsOf(before);
		const after = join(await tempDir(), "moved");
		await rename(before, after);
		expect(await idsOf(after)).toEqual(ids);
	});

	it("a copy elsewhere with preserved modification times gives the same ids", async () => {
		const original = await inputFolder(join(await tempDir(), "in"));
		const copy = join(await tempDir(), "copy", "in");
		await cp(original, copy, { recursive: true, preserveTimestamps: true });
		expect(await idsOf(copy)).toEqual(await idsOf(original));
	});

	it("the same folder through a symbolic link, or a file given by itself, gives the same ids", async () => {
		const dir = await inputFolder(join(await tempDir(), "in"));
		const link = join(await tempDir(), "link");
		await symlink(dir, link);
		expect(await idsOf(link)).toEqual(await idsOf(dir));
		const moved = join(await tempDir(), "a.jsonl");
		const [alone] = await idsOf(join(dir, "a.jsonl"));
		await rename(join(dir, "a.jsonl"), moved);
		expect(await idsOf(moved)).toEqual([alone]);
	});

	it("a copy whose modification times lost their fraction of a second (tar) keeps its ids", async () => {
		const dir = await inputFolder(join(await tempDir(), "in"));
		const fine = new Date(hour.getTime() + 400);
		for (const name of ["a.jsonl", "sub/b.jsonl"]) await utimes(join(dir, name), fine, fine);
		const copy = join(await tempDir(), "in");
		await cp(dir, copy, { recursive: true });
		for (const name of ["a.jsonl", "sub/b.jsonl"]) await utimes(join(copy, name), hour, hour);
		expect(await idsOf(copy)).toEqual(await idsOf(dir));
	});

	it("a changed file, by size or by modification time, gets another id", async () => {
		const dir = await inputFolder(join(await tempDir(), "in"));
		const [a, b] = await idsOf(dir);
		await writeFile(join(dir, "a.jsonl"), line("1", "one, longer"));
		await utimes(join(dir, "a.jsonl"), hour, hour);
		const [resized, sameB] = await idsOf(dir);
		expect(resized).not.toBe(a);
		expect(sameB).toBe(b);
		const later = new Date(hour.getTime() + 5000);
		await utimes(join(dir, "sub", "b.jsonl"), later, later);
		const [, touched] = await idsOf(dir);
		expect(touched).not.toBe(b);
	});
});

describe("file group ids", () => {
	it("do not depend on the order of the files nor on their root", () => {
		const group = (files: FileRef[]) => new FileGroupTask({ datasetName: "d", data: files });
		const id = group([ref("b.jsonl"), ref("a.jsonl")]).deterministicId();
		expect(id).toMatch(/^files-[0-9a-f]{16}$/);
		expect(group([ref("a.jsonl"), ref("b.jsonl")]).deterministicId()).toBe(id);
		expect(fileGroupId([ref("a.jsonl", "/mnt/x"), ref("b.jsonl", "/y")])).toBe(id);
		expect(fileGroupId([ref("a.jsonl")])).not.toBe(id);
		expect(fileGroupId([{ ...ref("a.jsonl"), input: 1 }])).not.toBe(fileGroupId([ref("a.jsonl")]));
	});

	it("travel with the task: a rebuilt group keeps its id and its paths, another root only its id", () => {
		const task = new FileGroupTask({ datasetName: "d", data: [ref("sub/a.jsonl")] });
		const copy = rebuild(task);
		expect(copy.deterministicId()).toBe(task.deterministicId());
		expect(copy.paths()).toEqual([join("/data", "sub", "a.jsonl")]);
		const remounted = new FileGroupTask({ datasetName: "d", data: [ref("sub/a.jsonl", "/mnt")] });
		expect(remounted.deterministicId()).toBe(task.deterministicId());
		expect(remounted.paths()).toEqual([join("/mnt", "sub", "a.jsonl")]);
		expect(task.validate()).toBe(true);
		const legacy = new FileGroupTask({ datasetName: "d", data: ["/x/a.jsonl"] as never });
		expect(legacy.validate()).toBe(false);
	});

	it("tell apart the same relative file under two inputs, listed in input order", async () => {
		const first = await inputFolder(join(await tempDir(), "in"));
		const second = join(await tempDir(), "in");
		await cp(first, second, { recursive: true, preserveTimestamps: true });
		const stage = new FilePartitioningStage({ paths: [second, first] });
		const listed = await stage.listFiles();
		expect(listed.map((file) => [file.input, file.root, file.path])).toEqual([
			[0, second, "a.jsonl"],
			[0, second, "sub/b.jsonl"],
			[1, first, "a.jsonl"],
			[1, first, "sub/b.jsonl"],
		]);
		const ids = await idsOf([second, first]);
		expect(new Set(ids).size).toBe(4);
	});
});

describe("identity: content", () => {
	it("keeps ids through a copy that does not keep times, and sees a change that keeps size and time", async () => {
		const dir = await inputFolder(join(await tempDir(), "in"));
		const copy = join(await tempDir(), "plain-copy");
		await cp(dir, copy, { recursive: true });
		expect(await idsOf(copy, "content")).toEqual(await idsOf(dir, "content"));
		expect(await idsOf(copy, "stat")).not.toEqual(await idsOf(dir, "stat"));
		const [a] = await idsOf(dir, "content");
		const [aByStat] = await idsOf(dir, "stat");
		await writeFile(join(dir, "a.jsonl"), line("1", "eno"));
		await utimes(join(dir, "a.jsonl"), hour, hour);
		expect((await idsOf(dir, "content"))[0]).not.toBe(a);
		// The cost of "stat": a rewrite that keeps size and second goes unnoticed.
		expect((await idsOf(dir, "stat"))[0]).toBe(aByStat);
	});

	it("is a reader option, checked when the stage is made", () => {
		const [source] = new JsonlReader({ paths: "in", identity: "content" }).decompose();
		expect((source as FilePartitioningStage).identity).toBe("content");
		expect(() => new FilePartitioningStage({ paths: "in", identity: "hash" as "content" })).toThrow(
			'identity must be "stat" or "content", got hash',
		);
	});
});
