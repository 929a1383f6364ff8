import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../src/command-line.ts";

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));

describe("parseCommandLine", () => {
	it("reads names, --flag value, --flag=value (values may hold '='), --json and --list", () => {
		expect(
			parseCommandLine(["a", "--tasks", "10", "b", "--sizes=1,2", "--expr=x=y", "--json"]),
		).toEqual({
			positionals: ["a", "b"],
			flags: { tasks: "10", sizes: "1,2", expr: "x=y" },
			json: true,
			list: false,
		});
		expect(parseCommandLine(["--list"]).list).toBe(true);
	});

	it("takes --help and -h as --list", () => {
		expect(parseCommandLine(["--help"])).toMatchObject({ list: true, positionals: [] });
		expect(parseCommandLine(["-h"])).toMatchObject({ list: true, positionals: [] });
	});

	it("rejects a flag without a value, a value given to --json, and a nameless flag", () => {
		expect(() => parseCommandLine(["a", "--tasks"])).toThrow(UsageError);
		expect(() => parseCommandLine(["a", "--tasks"])).toThrow("--tasks needs a value");
		expect(() => parseCommandLine(["a", "--tasks", "--json"])).toThrow("--tasks needs a value");
		expect(() => parseCommandLine(["--json=1"])).toThrow("--json takes no value");
		expect(() => parseCommandLine(["--"])).toThrow(/needs a name/);
	});
});

describe("the bench command", () => {
	const bench = (...args: string[]) =>
		spawnSync(process.execPath, [main, ...args], { encoding: "utf8", timeout: 60_000 });

	it("lists the benchmarks for --help and exits 0", () => {
		const run = bench("--help");
		expect(run.status).toBe(0);
		expect(run.stdout).toMatch(/^actor-pool-cpu: /m);
		expect(run.stdout).toMatch(/^ {2}--tasks \(default 2000\): number of tasks$/m);
	});

	it("prints the usage and the list on stderr and stdout, and exits 2, when no benchmark is named", () => {
		const run = bench();
		expect(run.status).toBe(2);
		expect(run.stderr).toMatch(/^usage: bench <name>/);
		expect(run.stdout).toMatch(/^actor-pool-dispatch: /m);
	});

	it("exits 2 with a one-line reason for a bad command line, before running anything", () => {
		const run = bench("actor-pool-cpu", "--tasks");
		expect(run.status).toBe(2);
		expect(run.stderr.trim()).toBe(
			"bench: --tasks needs a value (--list shows the benchmarks and their flags)",
		);
		expect(run.stdout).toBe("");
	});

	it("exits 1 naming an unknown flag of the benchmark", () => {
		const run = bench("actor-pool-cpu", "--nope", "1");
		expect(run.status).toBe(1);
		expect(run.stderr).toContain("actor-pool-cpu: unknown flag(s) --nope");
	});
});
