import { readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalExecutor } from "@curator/backend-local";
import { ErrorCodes, Pipeline, PreflightError, type RunEvent } from "@curator/core";
import { describe, expect, it } from "vitest";
import { JsonlReader, JsonlWriter, OutputFolderError } from "../src/index.ts";
import { runInfo, tempDir } from "./helpers.ts";

/** A folder holding a regular file named `file`, under which no folder can be made. */
async function withFile(): Promise<string> {
	const dir = await tempDir();
	await writeFile(join(dir, "file"), "not a folder");
	return dir;
}

describe("JsonlWriter pre-flight check", () => {
	it("creates a missing output folder and leaves no probe file behind", async () => {
		const out = join(await tempDir(), "a", "b");
		await new JsonlWriter({ path: out }).preflight(runInfo());
		expect((await stat(out)).isDirectory()).toBe(true);
		expect(await readdir(out)).toEqual([]);
	});

	it("names the folder, the option and the real cause when the folder cannot be created", async () => {
		expect.assertions(4);
		const out = join(await withFile(), "file", "out");
		try {
			await new JsonlWriter({ path: out }).preflight(runInfo());
		} catch (error) {
			expect(error).toBeInstanceOf(OutputFolderError);
			expect((error as OutputFolderError).folder).toBe(out);
			expect((error as OutputFolderError).code).toBe(ErrorCodes.invalidStage);
			expect((error as Error).message).toBe(
				`JsonlWriter option "path": output folder ${out} cannot be created: ENOTDIR: not a directory, mkdir '${out}'`,
			);
		}
	});

	it("says that a path naming a file is not a folder", async () => {
		const out = join(await withFile(), "file");
		await expect(new JsonlWriter({ path: out }).preflight(runInfo())).rejects.toThrow(
			`output folder ${out} cannot be created: it exists and is not a folder`,
		);
	});

	it("fails the run before any stage starts, naming the writer, the folder and the cause", async () => {
		const input = await tempDir();
		await writeFile(join(input, "a.jsonl"), `${JSON.stringify({ text: "one" })}\n`);
		const out = join(await withFile(), "file", "out");
		const events: RunEvent[] = [];
		const pipeline = new Pipeline({
			name: "copy",
			stages: [new JsonlReader({ paths: input }), new JsonlWriter({ path: out })],
		});
		const run = pipeline.run(new LocalExecutor(), undefined, {
			onEvent: (event) => events.push(event),
		});
		await expect(run).rejects.toBeInstanceOf(PreflightError);
		await expect(run).rejects.toMatchObject({
			code: ErrorCodes.preflightFailed,
			stage: "JsonlWriter",
			message: `stage "JsonlWriter" failed its pre-flight check: JsonlWriter option "path": output folder ${out} cannot be created: ENOTDIR: not a directory, mkdir '${out}'`,
		});
		expect(events.filter((e) => e.type === "stage:start")).toEqual([]);
	});
});
