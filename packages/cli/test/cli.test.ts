import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, descriptor, fixtures, project, tempDir } from "./helpers.ts";
import { expected } from "./sample.test.ts";

const line = (id: string, text: string): string => `${JSON.stringify({ id, text })}\n`;

describe("curator run demo (local backend, in process)", () => {
	it("gives the documented count after every stage and writes the documents", async () => {
		const out = await tempDir();
		const { code, stdout, stderr } = await cli([
			"run",
			"demo",
			"--output",
			out,
			"--json",
			"--progress",
			"none",
		]);
		expect(stderr).toBe("");
		expect(code).toBe(0);
		const report = JSON.parse(stdout);
		const itemsOut = Object.fromEntries(
			report.stages.map((s: { stage: string; itemsOut: number }) => [s.stage, s.itemsOut]),
		);
		expect(itemsOut).toMatchObject(expected.itemsOut);
		expect(report.ledger.balanced, "every task of every stage settled").toBe(true);
		expect(report.ledger.stages[0]).toMatchObject({ stage: "FilePartitioningStage", handed: 1 });
		const files = (await readdir(out)).filter((name) => name !== "_SUCCESS");
		expect(files.length).toBe(expected.outputFiles);
		const rows = (await Promise.all(files.map((f) => readFile(join(out, f), "utf8"))))
			.join("")
			.trim()
			.split("\n");
		expect(rows.length).toBe(expected.written);
	});

	it("prints the summary table headed by the documents written and where, without --json", async () => {
		const out = await tempDir();
		const { code, stdout } = await cli(["run", "demo", "--output", out, "--progress", "none"]);
		expect(code).toBe(0);
		expect(stdout.split("\n")[0]).toMatch(
			new RegExp(
				`^pipeline "demo" on local: done in [\\d.]+ s, 2,351 documents written to ${out} \\(4 files\\)$`,
			),
		);
		expect(stdout).toMatch(
			/\nExactDuplicateFilter\s+4\s+4\s+2,610\s+2,351\s+1\s.*duplicatesRemoved=259\n/,
		);
		expect(stdout).not.toContain("output: ");
	});

	it("applies --batch-size and --input through createPipeline", async () => {
		const input = await tempDir();
		await writeFile(join(input, "a.jsonl"), line("1", "short text"));
		const out = await tempDir();
		const { code, stdout } = await cli([
			"run",
			join(fixtures, "copy-pipeline.ts"),
			"--input",
			input,
			"--output",
			out,
			"--json",
			"--progress",
			"none",
		]);
		expect(code).toBe(0);
		expect(JSON.parse(stdout)).toMatchObject({ pipeline: "copy", ok: true, outputItems: 1 });
		expect((await cli(["describe", "demo", "--batch-size", "3"])).stdout).toMatch(
			/WordCountFilter batchSize=3/,
		);
	});
});

describe("curator describe and backends", () => {
	it("describes the demo pipeline", async () => {
		const { code, stdout } = await cli(["describe", "demo"]);
		expect(code).toBe(0);
		expect(stdout.split("\n")[0]).toBe('Pipeline "demo" (11 stages)');
		const json = JSON.parse((await cli(["describe", "demo", "--json"])).stdout);
		expect(json.stages.map((s: { name: string }) => s.name)).toEqual([
			"FilePartitioningStage",
			...Object.keys(expected.itemsOut),
			"JsonlWriter",
		]);
		expect(json.stages.at(-2)).toMatchObject({ class: "ExactDuplicateFilter", numWorkers: 1 });
	});

	it("lists the backends: name, package, version, description", async () => {
		const { code, stdout } = await cli(["backends", "--json"]);
		expect(code).toBe(0);
		const list = JSON.parse(stdout);
		expect(list.map((b: { name: string }) => b.name)).toEqual([
			"actor-pool",
			"data",
			"local",
			"xenna",
		]);
		expect(list[2]).toEqual({
			name: "local",
			package: "@curator/backend-local",
			version: "0.1.0",
			description: "Curator TS in-process backend: the reference semantics",
			ok: true,
		});
		expect((await cli(["backends"])).stdout).toMatch(
			/^backend\s+package\s+version\s+description\n/,
		);
	});

	it("prints help and version", async () => {
		expect((await cli(["--help"])).stdout).toMatch(/\n {2}run \[options\] <pipeline> /);
		expect((await cli(["run", "--help"])).stdout).toMatch(
			/^Usage: curator run \[options\] <pipeline>/,
		);
		expect((await cli(["--version"])).stdout).toBe("0.1.0\n");
	});
});

describe("a third-party backend", () => {
	it("runs by its short name from the user's project, and is listed", async () => {
		const cwd = await project(
			{ name: "acme-backend", version: "2.0.0", description: "Acme", curator: { backend: "acme" } },
			descriptor("acme"),
		);
		const out = join(cwd, "out");
		const argv = [
			"run",
			"demo",
			"--backend",
			"acme",
			"--output",
			out,
			"--json",
			"--progress",
			"none",
		];
		const run = await cli(argv, cwd);
		expect(run.stderr).toBe("");
		expect(run.code).toBe(0);
		expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, outputItems: 4 });
		const listed = JSON.parse((await cli(["backends", "--json"], cwd)).stdout);
		expect(listed[0]).toEqual({
			name: "acme",
			package: "acme-backend",
			version: "2.0.0",
			description: "Acme",
			ok: true,
		});
	});
});

describe("warnings before a run", () => {
	it("--workers on the local backend warns that it is ignored", async () => {
		const out = await tempDir();
		const argv = ["run", "demo", "--workers", "2", "--output", out, "--progress", "none"];
		const { code, stderr } = await cli(argv);
		expect(code).toBe(0);
		expect(stderr).toBe(
			"curator: warning: the local backend does not take --workers; it is ignored\n",
		);
		const quiet = await cli([...argv, "--mode", "overwrite", "--log-level", "error"]);
		expect(quiet.stderr).toBe("");
	});

	it("an empty input file warns", async () => {
		const input = await tempDir();
		await writeFile(join(input, "empty.jsonl"), "");
		const args = ["run", join(fixtures, "copy-pipeline.ts"), "--input", join(input, "empty.jsonl")];
		const { stderr } = await cli([...args, "--output", join(input, "out"), "--progress", "none"]);
		expect(stderr.split("\n")[0]).toBe(
			`curator: warning: the input file ${join(input, "empty.jsonl")} is empty: the run reads no document`,
		);
	});
});

describe("bad input: one line on stderr, exit 2 for usage and 1 for a failed run", () => {
	const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

	it.each([
		[["run", "demo", "--workers", "x"], 'curator: --workers must be a whole number >= 1, got "x"'],
		[
			["run", "demo", "--workers", "-1"],
			'curator: --workers must be a whole number >= 1, got "-1"',
		],
		[["run", "demo", "--backend", "nope"], 'curator: unknown backend "nope"'],
		[
			["run", "demo", "--input", "/no/such/path"],
			"curator: input path does not exist: /no/such/path",
		],
		[
			["run", "missing.ts"],
			"curator: pipeline file not found: missing.ts (built-in examples: demo)",
		],
		[
			["run", join(fixtures, "not-a-pipeline.ts")],
			"exports neither createPipeline(options) nor a default Pipeline",
		],
		[["run", join(fixtures, "throws-on-load.ts")], "fixture failed to load"],
		[
			["run", join(fixtures, "static-pipeline.ts"), "--input", "."],
			"exports a ready Pipeline, so --input cannot be applied",
		],
	])("%j exits 2", async (argv, message) => {
		const { code, stdout, stderr } = await cli(argv);
		expect(code).toBe(2);
		expect(stdout).toBe("");
		expect(stderr.split("\n")[0]).toContain(message);
		noStack(stderr);
	});

	it("fails the run with exit 1 on malformed JSONL, naming file and line", async () => {
		const input = await tempDir();
		await writeFile(join(input, "a.jsonl"), `${line("1", "ok")}{"id": 2, "text": oops}\n`);
		const args = [
			"run",
			join(fixtures, "copy-pipeline.ts"),
			"--input",
			input,
			"--output",
			await tempDir(),
		];
		const { code, stderr } = await cli([...args, "--progress", "none"]);
		expect(code).toBe(1);
		const lines = stderr.trim().split("\n");
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatch(
			new RegExp(
				`^curator: run failed: stage "JsonlReaderStage" failed on tasks \\[files-\\w+\\].*malformed JSONL in ${join(input, "a.jsonl")} at line 2`,
			),
		);
		const debug = await cli([...args, "--progress", "none", "--log-level", "debug"]);
		expect(debug.code).toBe(1);
		expect(debug.stderr).toMatch(/\n\s+at /);
		expect(debug.stderr).toContain("caused by:");
	});

	it("fails with exit 1 before any stage runs when --output cannot be created, with the real cause", async () => {
		const parent = await tempDir();
		await writeFile(join(parent, "file"), "not a folder");
		const out = join(parent, "file", "out");
		const { code, stdout, stderr } = await cli(["run", "demo", "--output", out, "--json"]);
		expect(code).toBe(1);
		expect(stderr).toBe(
			`curator: run failed: stage "JsonlWriter" failed its pre-flight check: JsonlWriter option "path": output folder ${out} cannot be created: ENOTDIR: not a directory, mkdir '${out}'\n`,
		);
		const report = JSON.parse(stdout);
		expect(report).toMatchObject({ ok: false, pipeline: "demo" });
		expect(report.stages.filter((s: { itemsIn: number }) => s.itemsIn > 0)).toEqual([]);
	});

	it("fails the run with exit 1 on an empty input folder, and still prints the JSON report", async () => {
		const input = await tempDir();
		await mkdir(join(input, "empty"));
		const { code, stdout, stderr } = await cli([
			"run",
			join(fixtures, "copy-pipeline.ts"),
			"--input",
			join(input, "empty"),
			"--json",
			"--progress",
			"none",
		]);
		expect(code).toBe(1);
		expect(stderr).toMatch(
			/^curator: run failed: .*no \.jsonl or \.jsonl\.gz files in folder .*empty\n$/,
		);
		expect(JSON.parse(stdout)).toMatchObject({ ok: false, pipeline: "copy" });
	});
});

describe("a stop signal mid-run (local backend, in process)", () => {
	it.each([
		["SIGINT", 130, "interrupted: stopping the run and its workers", "interrupted"],
		["SIGTERM", 143, "terminated (SIGTERM): stopping the run and its workers", "terminated"],
	] as const)(
		"%s cancels the run, prints the summary and exits %i",
		async (signal, exit, note, word) => {
			const pipeline = join(fixtures, "slow-pipeline.ts");
			const { code, stdout, stderr } = await cli(
				["run", pipeline, "--progress", "lines"],
				process.cwd(),
				{ signal, when: "SlowStage: started" },
			);
			expect(code).toBe(exit);
			expect(stderr).toContain(note);
			expect(stderr).toMatch(new RegExp(`curator: ${word}: run aborted: ${signal}\n$`));
			// The summary, with a row per stage, on stdout.
			expect(stdout).toMatch(
				new RegExp(`^pipeline "slow" on local: failed: run aborted: ${signal} `),
			);
			expect(stdout).toMatch(/^stage +tasks in +tasks out/m);
			expect(stdout).toMatch(/^SlowStage +\d/m);
		},
	);
});
