import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type OutputManifest, readOutputManifest } from "@curator/text";
import type { ExpectStatic } from "vitest";

/** What a finished run left in its output folder. */
export interface PublishedOutput {
	/** The folder's entries (not recursive), sorted. */
	entries: string[];
	/** The data files by name, with their content. */
	files: Map<string, string>;
	/** The manifest without what differs from run to run (run ids, commit times). */
	manifest: unknown;
	/** The manifest's run id. */
	runId: string | undefined;
}

/** Reads the output folder `folder` of a finished run. */
export async function publishedOutput(folder: string): Promise<PublishedOutput> {
	const entries = (await readdir(folder)).sort();
	const names = entries.filter((name) => name.endsWith(".jsonl"));
	const files = new Map(
		await Promise.all(
			names.map(async (name) => [name, await readFile(join(folder, name), "utf8")] as const),
		),
	);
	const manifest = await readOutputManifest(folder);
	return { entries, files, manifest: withoutRunIds(manifest), runId: manifest?.runId };
}

/** The row ids of the data files, in file and line order. */
export function rowIds(files: Map<string, string>): string[] {
	return [...files.values()].flatMap((text) =>
		text
			.split("\n")
			.filter((line) => line.length > 0)
			.map((line) => String((JSON.parse(line) as { id: unknown }).id)),
	);
}

/**
 * Checks that `actual` (a resumed run's output) is the uninterrupted run's:
 * the same entries (data files and `_SUCCESS`, no staging left), every
 * file with the same content, no row twice, none lost, and the same
 * manifest apart from run ids and commit times; its run id is `runId`.
 */
export function expectUninterruptedOutput(
	expect: ExpectStatic,
	actual: PublishedOutput,
	uninterrupted: PublishedOutput,
	runId: string | undefined,
): void {
	expect(actual.entries, "the output folder's entries").toEqual(uninterrupted.entries);
	const ids = rowIds(actual.files);
	const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
	expect(twice, "rows written twice").toEqual([]);
	const expected = rowIds(uninterrupted.files);
	expect(
		expected.filter((id) => !ids.includes(id)),
		"rows lost",
	).toEqual([]);
	expect(actual.files, "the data files and their content").toEqual(uninterrupted.files);
	expect(actual.manifest, "the _SUCCESS manifest, run ids aside").toEqual(uninterrupted.manifest);
	expect(actual.runId, "the manifest's run id: the interrupted run's").toBe(runId);
}

function withoutRunIds(manifest: OutputManifest | undefined): unknown {
	if (manifest === undefined) return undefined;
	const { runId: _, files, runs, ...rest } = manifest;
	return {
		...rest,
		files: files.map(({ runId: _run, ...file }) => file),
		runs: runs.map(({ runId: _run, committedAt: _at, ...run }) => run),
	};
}
