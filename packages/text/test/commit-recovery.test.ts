import { mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalExecutor } from "@curator/backend-local";
import { type CheckpointStore, fileCheckpoint, Pipeline, ProcessingStage } from "@curator/core";
import { describe, expect, it } from "vitest";
import {
	type FileGroupTask,
	JsonlReader,
	JsonlWriter,
	type OutputMode,
	readOutputManifest,
} from "../src/index.ts";
import { commitOutput, stageFile } from "../src/output-commit.ts";
import { recoverCommit } from "../src/output-recovery.ts";
import { tempDir } from "./helpers.ts";

// A resumed run whose predecessor was killed in or after the writer's commit: it must finish that
// commit's work, never lose or refuse the published files. In-process, a kill there is a failure at
// the same point: a checkpoint whose `complete` fails, a commit that fails after its first rename.

async function input(): Promise<string> {
	const dir = await tempDir();
	for (const tag of ["a", "b", "c"]) {
		const rows = [1, 2].map((n) => JSON.stringify({ id: `${tag}${n}`, text: `${tag} ${n}` }));
		await writeFile(join(dir, `${tag}.jsonl`), `${rows.join("\n")}\n`);
	}
	return dir;
}

const pipeline = (from: string, to: string, mode: OutputMode, after: ProcessingStage[] = []) =>
	new Pipeline({
		name: "copy",
		stages: [
			new JsonlReader({ paths: from, filesPerPartition: 1 }),
			new JsonlWriter({ path: to, mode }),
			...after,
		],
	});

async function dataFiles(folder: string): Promise<Record<string, string>> {
	const names = (await readdir(folder)).filter((name) => name.endsWith(".jsonl")).sort();
	return Object.fromEntries(
		await Promise.all(
			names.map(async (name) => [name, await readFile(join(folder, name), "utf8")]),
		),
	);
}

/** A folder checkpoint whose `complete` fails, as a run killed right after its commit. */
function killedAfterCommit(dir: string): CheckpointStore {
	const store = fileCheckpoint(dir);
	return {
		location: store.location,
		open: (opening) => store.open(opening),
		markDone: (partitions) => store.markDone(partitions),
		complete: () => Promise.reject(new Error("killed after the commit")),
		close: () => store.close(),
	};
}

describe("a resumed run after a commit that did not finish", () => {
	it("killed after the commit (overwrite): the run again keeps the published files and their manifest", async () => {
		const from = await input();
		const clean = join(await tempDir(), "clean");
		await pipeline(from, clean, "overwrite").run(new LocalExecutor());
		const out = join(await tempDir(), "out");
		const checkpoint = join(await tempDir(), "ckpt");
		const first = pipeline(from, out, "overwrite").run(new LocalExecutor(), undefined, {
			checkpoint: killedAfterCommit(checkpoint),
		});
		await expect(first).rejects.toThrow("killed after the commit");
		const runId = (await readOutputManifest(out))?.runId;

		const resumed = await pipeline(from, out, "overwrite").run(new LocalExecutor(), undefined, {
			checkpoint,
		});
		expect(resumed.runId).toBe(runId);
		expect(await dataFiles(out)).toEqual(await dataFiles(clean));
		expect((await readOutputManifest(out))?.files.map((f) => f.name)).toEqual(
			Object.keys(await dataFiles(clean)),
		);
		expect(await readdir(out)).not.toContain("_temporary");
	});

	it("killed in the commit (error): the run again moves the published files back, commits again, and nothing is lost", async () => {
		const from = await input();
		const clean = join(await tempDir(), "clean");
		await pipeline(from, clean, "error").run(new LocalExecutor());
		const names = Object.keys(await dataFiles(clean));
		const out = join(await tempDir(), "out");
		const checkpoint = join(await tempDir(), "ckpt");
		// A folder under the last file's final name: the commit publishes the others, then stops.
		const blocker = join(out, names.at(-1) as string);
		const block = new BlockingStage({ blocker });
		const first = pipeline(from, out, "error", [block]).run(new LocalExecutor(), undefined, {
			checkpoint,
		});
		await expect(first).rejects.toThrow(/already exists/);
		expect((await readdir(out)).filter((name) => name.endsWith(".jsonl")).length).toBe(
			names.length,
		);
		await rm(blocker, { recursive: true });

		await pipeline(from, out, "error", [block]).run(new LocalExecutor(), undefined, { checkpoint });
		expect(await dataFiles(out)).toEqual(await dataFiles(clean));
		const parts = async (folder: string) =>
			(await readOutputManifest(folder))?.files.map((file) => [file.name, file.taskId]);
		expect(await parts(out), "each part maps to the clean run's task").toEqual(await parts(clean));
		expect((await readOutputManifest(out))?.rows).toBe(6);
		expect(await readdir(out)).not.toContain("_temporary");
	});
});

describe("recoverCommit", () => {
	it("undoes an append cut short: the run's published files go back to its staging, the previous manifest to _SUCCESS", async () => {
		const folder = await tempDir();
		const pipeline = { name: "p", description: undefined, backend: "local", stages: [] };
		const commit = { folder, mode: "append" as const, extension: ".jsonl", pipeline };
		await stageFile(folder, "old", "x", "{}\n", 1);
		const previous = await commitOutput({ ...commit, runId: "old" });
		await stageFile(folder, "new", "a", "{}\n{}\n", 2);
		// A staged file that cannot be read (a dangling link): the commit stops after the first rename.
		const staging = join(folder, "_temporary", "new");
		await symlink(join(folder, "gone"), join(staging, "b~2.staged"));
		const cut = commitOutput({ ...commit, runId: "new", flushed: true });
		await expect(cut).rejects.toThrow(/ENOENT/);
		expect((await readdir(folder)).sort()).toEqual([
			"_temporary",
			"part-00000.jsonl",
			"part-00001.jsonl",
		]);

		expect(await recoverCommit(folder, "new")).toBe("undone");
		expect((await readdir(folder)).sort()).toEqual(["_SUCCESS", "_temporary", "part-00000.jsonl"]);
		expect(await readOutputManifest(folder)).toEqual(previous);
		expect((await readdir(staging)).sort()).toEqual(["a~2.staged", "b~2.staged"]);
		expect(await recoverCommit(folder, "new"), "once undone, nothing is left to undo").toBe("none");
		await rm(join(staging, "b~2.staged"));
		await stageFile(folder, "new", "b", "{}\n{}\n", 2);
		const manifest = await commitOutput({ ...commit, runId: "new" });
		expect(manifest.files.map((file) => [file.name, file.taskId, file.runId])).toEqual([
			["part-00000.jsonl", "x", "old"],
			["part-00001.jsonl", "a", "new"],
			["part-00002.jsonl", "b", "new"],
		]);
		expect(await recoverCommit(folder, "new"), "after its commit").toBe("committed");
	});
});

/** After the writer: makes folder `blocker` once (the first run), so the writer's commit stops at it. */
class BlockingStage extends ProcessingStage<FileGroupTask, FileGroupTask> {
	blocker: string;

	constructor(options: { blocker: string }) {
		super();
		this.blocker = options.blocker;
	}

	override async process(task: FileGroupTask): Promise<FileGroupTask> {
		if (!made.has(this.blocker)) {
			made.add(this.blocker);
			await mkdir(this.blocker, { recursive: true });
		}
		return task;
	}
}
const made = new Set<string>();
