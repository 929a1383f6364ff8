import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { type ProcessingStage, type RunInfo, silentLogger } from "@curator/core";
import { afterEach } from "vitest";
import { DocumentBatch, FileGroupTask } from "../src/index.ts";

const dirs: string[] = [];

/** A fresh temporary folder, removed after the test. */
export async function tempDir(): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), "curator-text-"));
	dirs.push(dir);
	return dir;
}

afterEach(async () => {
	for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A batch of the given texts with ids `d0`, `d1`, ... */
export function batchOf(texts: string[], taskId = "t"): DocumentBatch {
	const batch = new DocumentBatch({
		datasetName: "test",
		data: { id: texts.map((_, i) => `d${i}`), text: texts },
	});
	batch.taskId = taskId;
	return batch;
}

/** What a worker does: a new object from the prototype and a structured clone of the fields. */
export function rebuild<T extends object>(value: T): T {
	const copy = Object.create(Object.getPrototypeOf(value)) as T;
	return Object.assign(copy, structuredClone({ ...value }));
}

/** Runs one stage's batch call directly. */
export async function runStage<S extends ProcessingStage>(
	stage: S,
	tasks: Parameters<S["processBatch"]>[0],
): Promise<Awaited<ReturnType<S["processBatch"]>>> {
	return (await stage.processBatch(tasks)) as Awaited<ReturnType<S["processBatch"]>>;
}

/**
 * A group of the files at these absolute paths, each below its own folder, without a stat (size
 * and mtime 0: the reader does not look at them, and a missing file can be named).
 */
export function groupOf(...paths: string[]): FileGroupTask {
	const data = paths.map((path) => ({
		root: dirname(path),
		path: basename(path),
		input: 0,
		size: 0,
		mtime: 0,
	}));
	return new FileGroupTask({ datasetName: "d", data });
}

/** What a run hands its stages' run hooks, for calling them directly. */
export function runInfo(runId = "run-1"): RunInfo {
	return {
		runId,
		pipeline: { name: "test", description: undefined, backend: "none", stages: [] },
		logger: silentLogger,
	};
}
