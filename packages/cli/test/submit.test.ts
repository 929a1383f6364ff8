import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EVENT_LINE, flagDefaults, parseCommand, type RunFlags } from "../src/index.ts";
import { jobArgs } from "../src/submit.ts";
import { cli, tempDir } from "./helpers.ts";

const flags = (more: Partial<RunFlags> = {}): RunFlags => ({
	...(parseCommand(["run", "demo"]) as { flags: RunFlags }).flags,
	...more,
});

describe("curator submit", () => {
	it("takes the Ray dashboard's address, else RAY_ADDRESS when it is one", () => {
		expect(
			parseCommand(["submit", "p.ts", "--address", "http://10.0.0.5:8265/", "--json"]),
		).toMatchObject({ command: "submit", pipeline: "p.ts", address: "http://10.0.0.5:8265" });
		const saved = process.env.RAY_ADDRESS;
		try {
			process.env.RAY_ADDRESS = "http://head:8265";
			expect(parseCommand(["submit", "demo"])).toMatchObject({ address: "http://head:8265" });
			process.env.RAY_ADDRESS = "10.0.0.5:6379";
			expect(() => parseCommand(["submit", "demo"])).toThrow(
				'"curator submit" needs --address http://<head node>:8265 (the Ray dashboard), got "10.0.0.5:6379"',
			);
		} finally {
			if (saved === undefined) delete process.env.RAY_ADDRESS;
			else process.env.RAY_ADDRESS = saved;
		}
	});

	it("runs the same pipeline and flags in the job, on the xenna backend, with this machine's paths", () => {
		const args = jobArgs("pipe.ts", flags({ input: "in", workers: 3, logLevel: "info" }), "/w");
		expect(args).toEqual([
			"run",
			{ file: "/w/pipe.ts" },
			"--backend",
			"xenna",
			"--event-stream",
			"--log-level",
			"info",
			"--mode",
			flagDefaults.mode,
			"--output",
			"/w/curator-out",
			"--input",
			"/w/in",
			"--workers",
			"3",
		]);
		expect(jobArgs("demo", flags(), "/w")[1]).toBe("demo");
	});

	it("refuses a pipeline file that does not exist before packing anything", async () => {
		const result = await cli(["submit", "nope.ts", "--address", "http://127.0.0.1:9"]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain("pipeline file not found: nope.ts");
	});
});

describe("a run's events as lines (what a submitted job prints)", () => {
	it("--event-stream prints each run event and the report as prefixed lines, nothing else", async () => {
		const out = await tempDir();
		const { code, stdout } = await cli(["run", "demo", "--output", out, "--event-stream"]);
		expect(code).toBe(0);
		const lines = stdout.trim().split("\n");
		expect(lines.slice(0, -1).every((line) => line.startsWith(EVENT_LINE))).toBe(true);
		const events = lines.slice(0, -1).map((line) => JSON.parse(line.slice(EVENT_LINE.length)));
		expect(events[0]).toMatchObject({ type: "run:start", backend: "local" });
		expect(events.at(-1)).toMatchObject({ type: "run:end" });
		const report = JSON.parse(lines.at(-1)?.replace(/^@curator-report /, "") ?? "");
		expect(report).toMatchObject({ pipeline: "demo", ok: true });
	});

	it("--events writes every run event to a file as JSON lines", async () => {
		const dir = await tempDir();
		const file = join(dir, "events.jsonl");
		const { code } = await cli(["run", "demo", "--output", join(dir, "out"), "--events", file]);
		expect(code).toBe(0);
		const types = (await readFile(file, "utf8"))
			.trim()
			.split("\n")
			.map((line) => JSON.parse(line).type);
		expect(types[0]).toBe("run:start");
		expect(types).toContain("batch:done");
		expect(types.at(-1)).toBe("run:end");
	});
});
