import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { compareTaskIds, ErrorCodes, type ProcessingStage } from "@curator/core";
import {
	type FileGroupTask,
	JsonlWriter,
	type OutputManifest,
	readOutputManifest,
} from "@curator/text";
import { describe, type ExpectStatic } from "vitest";
import { LifecycleStage, MultiplyStage, numbersTasks, stageCalls } from "../fixtures/index.ts";
import { DocumentsStage, FailOnRowsStage } from "../fixtures/output.ts";
import { conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/** Three tasks of 1, 2 and 3 documents: the writer writes three files. */
const inputs = () => numbersTasks([1], [2, 3], [4, 5, 6]);

/** A multi-stage pipeline ending in a `JsonlWriter` into `out`, and `after` it. */
function writing(out: string, after: ProcessingStage[] = []): ProcessingStage[] {
	return [
		new MultiplyStage({ factor: 10 }),
		new DocumentsStage(),
		new JsonlWriter({ path: out }),
		...after,
	] as ProcessingStage[];
}

/** Every entry under `folder`, recursively, sorted. */
async function entriesUnder(folder: string): Promise<string[]> {
	return (await readdir(folder, { recursive: true })).sort();
}

/** The data files of an output folder by name, with their content. */
async function dataFiles(folder: string): Promise<Map<string, string>> {
	const names = (await readdir(folder)).filter((name) => name.endsWith(".jsonl")).sort();
	return new Map(
		await Promise.all(
			names.map(async (n) => [n, await readFile(join(folder, n), "utf8")] as const),
		),
	);
}

/** Checks that the manifest lists exactly the folder's data files, with their real rows and bytes. */
async function expectManifestOf(
	expect: ExpectStatic,
	folder: string,
	manifest: OutputManifest | undefined,
): Promise<void> {
	const files = await dataFiles(folder);
	const actual = await Promise.all(
		[...files].map(async ([name, text]) => ({
			name,
			rows: text.split("\n").length - 1,
			bytes: (await stat(join(folder, name))).size,
		})),
	);
	const listed = (manifest?.files ?? []).map(({ name, rows, bytes }) => ({ name, rows, bytes }));
	expect(listed, "the manifest's files, rows and bytes against the folder").toEqual(actual);
	expect(manifest?.rows, "the manifest's total rows").toBe(6);
	expect(manifest?.bytes).toBe(actual.reduce((sum, file) => sum + file.bytes, 0));
}

/**
 * Cases "output folder": a file sink (`JsonlWriter`) publishes its files
 * only when the whole run succeeded, with a `_SUCCESS` manifest written
 * last, and the same files as the reference, named `part-00000...` in
 * task-id order, which the run's output tasks name; a run that fails after the
 * writer wrote leaves no file under a final name and no `_SUCCESS`; mode
 * `error` refuses a used folder before any stage runs. This proves the
 * run hooks on the backend: the run id set by `preflight` reaches the
 * workers, `commit` runs after success only, `rollback` after a failure.
 */
export function registerOutputFolderCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	describe("output folder", () => {
		kit.test(
			"a successful run leaves only final files and a _SUCCESS manifest matching them, as the reference",
			async (expect) => {
				await kit.withTempDir(async (dir) => {
					const out = join(dir, "out");
					await kit.run(writing(out), inputs(), { runId: "conformance-run" });
					await kit.reference(writing(join(dir, "reference")), inputs());
					const files = await dataFiles(out);
					expect(await entriesUnder(out), "the output folder").toEqual(
						[...files.keys(), "_SUCCESS"].sort(),
					);
					const manifest = await readOutputManifest(out);
					await expectManifestOf(expect, out, manifest);
					expect(manifest?.runId).toBe("conformance-run");
					expect(manifest?.runs[0]?.pipeline.backend).toBe(kit.backend);
					expect(files, "the files of the reference run").toEqual(
						await dataFiles(join(dir, "reference")),
					);
				});
			},
		);

		kit.test(
			"files are named part-00000... in task-id order, the manifest maps them to task ids as the reference's, the output tasks name them",
			async (expect) => {
				await kit.withTempDir(async (dir) => {
					const out = join(dir, "out");
					const result = await kit.run(writing(out), inputs());
					const reference = join(dir, "reference");
					await kit.reference(writing(reference), inputs());
					const parts = async (folder: string) =>
						(await readOutputManifest(folder))?.files.map((file) => [file.name, file.taskId]);
					const listed = (await parts(out)) ?? [];
					expect(listed.map(([name]) => name)).toEqual([
						"part-00000.jsonl",
						"part-00001.jsonl",
						"part-00002.jsonl",
					]);
					const taskIds = listed.map(([, taskId]) => taskId as string);
					expect(taskIds, "numbered in task-id order").toEqual([...taskIds].sort(compareTaskIds));
					expect(listed, "the reference's names and task ids").toEqual(await parts(reference));
					const paths = result.tasks.flatMap((task) => (task as FileGroupTask).paths());
					expect(paths.sort(), "the run's output tasks name the published files").toEqual(
						listed.map(([name]) => join(out, name as string)),
					);
				});
			},
		);

		kit.test(
			"a run failing after the writer wrote leaves no file under a final name and no _SUCCESS",
			async (expect) => {
				await kit.withTempDir(async (dir) => {
					const out = join(dir, "out");
					const run = kit.run(writing(out, [new FailOnRowsStage({ failOnRows: 3 })]), inputs());
					await expect(run).rejects.toMatchObject({
						code: ErrorCodes.stageFailed,
						stage: "FailOnRowsStage",
					});
					expect(await entriesUnder(out), "the output folder after the failed run").toEqual([]);
				});
			},
		);

		kit.test("mode error refuses a used folder before any stage runs", async (expect) => {
			await kit.withTempDir(async (dir) => {
				const out = join(dir, "out");
				await kit.run(writing(out), inputs());
				const before = await entriesUnder(out);
				const journal = join(dir, "journal");
				await mkdir(journal);
				const stages = [new LifecycleStage({ dir: journal, name: "First" }), ...writing(out)];
				await expect(kit.run(stages, inputs())).rejects.toMatchObject({
					code: ErrorCodes.preflightFailed,
					stage: "JsonlWriter",
					cause: { code: ErrorCodes.outputExists, folder: out },
				});
				expect(stageCalls(journal), "stage calls after the refusal").toEqual([]);
				expect(await entriesUnder(out), "the used folder is left as it was").toEqual(before);
			});
		});
	});
}
