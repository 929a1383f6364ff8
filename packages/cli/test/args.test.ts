import { describe, expect, it } from "vitest";
import { parseCommand, UsageError } from "../src/index.ts";

describe("parseCommand", () => {
	it("parses run with every flag", () => {
		expect(
			parseCommand([
				"run",
				"demo",
				"--backend",
				"actor-pool",
				"--input",
				"in",
				"--output=out",
				"--mode",
				"append",
				"--checkpoint",
				"ckpt",
				"--restart",
				"--workers",
				"2",
				"--batch-size",
				"8",
				"--log-level",
				"debug",
				"--json",
				"--progress",
				"lines",
				"--events",
				"events.jsonl",
			]),
		).toEqual({
			command: "run",
			pipeline: "demo",
			flags: {
				backend: "actor-pool",
				input: "in",
				output: "out",
				mode: "append",
				checkpoint: "ckpt",
				restart: true,
				workers: 2,
				batchSize: 8,
				logLevel: "debug",
				json: true,
				progress: "lines",
				events: "events.jsonl",
				eventStream: false,
			},
		});
	});

	it("applies defaults and knows the other commands", () => {
		expect(parseCommand(["describe", "x.ts"])).toMatchObject({
			command: "describe",
			flags: {
				backend: "local",
				mode: "error",
				checkpoint: undefined,
				restart: false,
				logLevel: "warn",
				json: false,
				progress: "auto",
			},
		});
		expect(parseCommand(["backends", "--json"])).toEqual({ command: "backends", json: true });
		expect(parseCommand([])).toEqual({ command: "help" });
		expect(parseCommand(["--version"])).toEqual({ command: "version" });
		expect(parseCommand(["run", "--help"])).toEqual({ command: "help", topic: "run" });
	});

	it.each([
		[["run", "demo", "--nope"], 'unknown option "--nope"'],
		[["run", "demo", "--workers"], 'option "--workers" needs a value'],
		[["run", "demo", "--json=yes"], 'option "--json" takes no value'],
		[
			["run", "demo", "--mode", "replace"],
			'unknown output mode "replace" (one of: error, overwrite, append, ignore)',
		],
		[["run", "demo", "--workers", "0"], '--workers must be a whole number >= 1, got "0"'],
		[["run", "demo", "--workers", "two"], '--workers must be a whole number >= 1, got "two"'],
		[["run", "demo", "--batch-size", "1.5"], '--batch-size must be a whole number >= 1, got "1.5"'],
		[
			["run", "demo", "--backend", "ray"],
			'unknown backend "ray" (one of: local, actor-pool, data, xenna)',
		],
		[["run", "demo", "--log-level", "loud"], 'unknown value for --log-level "loud"'],
		[["run", "demo", "--input", " "], "--input needs a path"],
		[["run", "demo", "--restart"], "--restart goes with --checkpoint"],
		[["run"], '"curator run" needs a pipeline file or example name'],
		[["run", "a", "b"], 'unexpected argument "b"'],
		[["frobnicate"], 'unknown command "frobnicate"'],
	])("rejects %j with a usage error", (argv, message) => {
		expect.assertions(2);
		try {
			parseCommand(argv);
		} catch (error) {
			expect(error).toBeInstanceOf(UsageError);
			expect((error as Error).message).toContain(message);
		}
	});
});
