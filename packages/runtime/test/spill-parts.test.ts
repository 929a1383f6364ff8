import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readPart, releaseParts, SpillError, writeParts } from "../src/spill/index.ts";

let folder = "";
beforeEach(async () => {
	folder = await mkdtemp(join(tmpdir(), "curator-spill-parts-"));
});
afterEach(async () => {
	await rm(folder, { recursive: true, force: true });
});

const bytes = (...values: number[]) => new Uint8Array(values);

/** Yields `parts` one by one, noting how many were asked for. */
function* lazily(parts: Uint8Array[], asked: { count: number }): Generator<Uint8Array> {
	for (const part of parts) {
		asked.count += 1;
		yield part;
	}
}

describe("writeParts, readPart, releaseParts (the spill module's file API)", () => {
	it("keeps the parts as they are without a folder", async () => {
		const parts = [bytes(1), bytes(2, 3)];
		expect(await writeParts(parts, undefined)).toEqual(parts);
	});

	it("writes each part to a file of its own in the folder, in order, and reads them back", async () => {
		const asked = { count: 0 };
		const written = await writeParts(lazily([bytes(1), bytes(2, 3), bytes()], asked), folder);
		expect(asked.count).toBe(3);
		expect(written).toHaveLength(3);
		expect(written.every((part) => typeof part === "string" && part.startsWith(folder))).toBe(true);
		expect(new Set(written).size).toBe(3);
		const again = await writeParts([bytes(4)], folder);
		expect(written).not.toContain(again[0]);
		const read = await Promise.all([...written, bytes(9)].map(readPart));
		expect(read.map((part) => [...part])).toEqual([[1], [2, 3], [], [9]]);
	});

	it("deletes the spilled files among parts, passing over bytes and files already gone", async () => {
		const written = await writeParts([bytes(1), bytes(2)], folder);
		const gone = join(folder, "never-there.task");
		await releaseParts([...written, bytes(3), gone]);
		expect(await readdir(folder)).toEqual([]);
	});

	it("fails a write with CURATOR_SPILL_FAILED naming the folder, leaving no file", async () => {
		expect.assertions(4);
		const missing = join(folder, "gone");
		try {
			await writeParts([bytes(1, 2)], missing);
		} catch (error) {
			expect(error).toBeInstanceOf(SpillError);
			expect((error as SpillError).folder).toBe(missing);
			expect((error as Error).message).toMatch(
				new RegExp(
					`^spill folder ${missing}: cannot write 2 bytes: ENOENT.*; set CURATOR_SPILL_DIR`,
				),
			);
			expect(existsSync(missing)).toBe(false);
		}
	});

	it("fails a read of a missing file with CURATOR_SPILL_FAILED naming its folder", async () => {
		const file = join(folder, "x.task");
		await writeFile(file, "x");
		await releaseParts([file]);
		await expect(readPart(file)).rejects.toThrow(
			new RegExp(`^spill folder ${folder}: cannot read a spilled task: ENOENT`),
		);
	});
});

/** The `node:` modules resolved by importing `file` in a fresh Node process. */
function builtinsImportedBy(file: string): string[] {
	const script = `
		import { registerHooks } from "node:module";
		const seen = [];
		registerHooks({ resolve(specifier, context, next) { if (specifier.startsWith("node:")) seen.push(specifier); return next(specifier, context); } });
		await import(${JSON.stringify(file)});
		console.log(JSON.stringify(seen));
	`;
	const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
		encoding: "utf8",
	});
	return JSON.parse(out) as string[];
}

describe("the spill module at a worker's start", () => {
	it("loads neither node:crypto nor node:fs/promises, nor does the worker host importing it", () => {
		for (const module of ["../src/spill/index.ts", "../src/host.ts"]) {
			const imported = builtinsImportedBy(fileURLToPath(new URL(module, import.meta.url)));
			expect(imported).toContain("node:fs");
			expect(imported).not.toContain("node:crypto");
			expect(imported).not.toContain("node:fs/promises");
		}
	});
});
