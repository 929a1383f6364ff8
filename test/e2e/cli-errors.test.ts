import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cliFixtures, finished, reapAll, runCurator, startCli } from "./cli-helpers.ts";

let dir = "";
beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "curator-e2e-errors-"));
	await mkdir(join(dir, "empty"));
	await writeFile(join(dir, "bad.jsonl"), '{"id": "1", "text": "fine"}\n{"id": 2, "text": nope}\n');
});
afterEach(reapAll);
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

const copy = join(cliFixtures, "copy-pipeline.ts");
const stackLine = /\n\s+at /;

describe("curator with bad input: one clear line, no stack trace", () => {
	it.each([
		[
			"a bad flag value",
			2,
			["run", "demo", "--batch-size", "0"],
			"curator: --batch-size must be a whole number >= 1",
		],
		["an unknown flag", 2, ["run", "demo", "--fast"], "curator: unknown option '--fast'"],
		[
			"an unknown backend",
			2,
			["run", "demo", "--backend", "spark"],
			'curator: unknown backend "spark"',
		],
		[
			"a missing input path",
			2,
			["run", "demo", "--input", "/nonexistent/input"],
			"curator: input path does not exist: /nonexistent/input",
		],
		["an unknown command", 2, ["start"], "curator: unknown command 'start'"],
	])("%s exits %i", async (_case, code, args, message) => {
		const result = await runCurator(args as string[]);
		expect(result.code).toBe(code);
		expect(result.stdout).toBe("");
		expect(result.stderr.split("\n")[0]).toContain(message);
		expect(result.stderr).not.toMatch(stackLine);
		expect(result.leftovers).toEqual([]);
	});

	it("an empty input folder fails the run: exit 1", async () => {
		const result = await runCurator([
			"run",
			copy,
			"--input",
			join(dir, "empty"),
			// Its own output folder: the README's demo, run first in a fresh clone, leaves
			// ./curator-out behind, which the writer's pre-flight check would refuse first.
			"--output",
			join(dir, "out-empty"),
			"--progress",
			"none",
		]);
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(
			/^curator: run failed: .*no \.jsonl or \.jsonl\.gz files in folder .*empty\n$/,
		);
	});

	it("malformed JSONL fails the run: exit 1, file and line named; the stack only with debug", async () => {
		const args = [
			"run",
			copy,
			"--input",
			join(dir, "bad.jsonl"),
			"--output",
			join(dir, "out"),
			"--progress",
			"none",
		];
		const result = await runCurator(args);
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(
			/^curator: run failed: .*malformed JSONL in .*bad\.jsonl at line 2: .*\n$/,
		);
		const debug = await runCurator([...args, "--log-level", "debug"]);
		expect(debug.code).toBe(1);
		expect(debug.stderr).toMatch(stackLine);
	});
});

describe("curator with a closed stdout", () => {
	it("exits 0 without a stack trace when the reader goes away (curator run demo | head -1)", async () => {
		const out = await mkdtemp(join(tmpdir(), "curator-e2e-pipe-"));
		const child = startCli(["run", "demo", "--output", out, "--progress", "none"]);
		child.stdout?.once("data", () => child.stdout?.destroy());
		const result = await finished(child);
		await rm(out, { recursive: true, force: true });
		expect(result.code).toBe(0);
		expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /);
	});
});
