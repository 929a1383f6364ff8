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
				"--ray-address",
				"head:6379",
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
				rayAddress: "head:6379",
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
		expect(parseCommand(["run", "demo", "--backend", "@acme/curator-backend-x"])).toMatchObject({
			flags: { backend: "@acme/curator-backend-x" },
		});
		expect(parseCommand(["--version"])).toEqual({ command: "print", text: "0.1.0\n" });
	});

	it("gives the program's help, and each command's own", () => {
		const program = parseCommand([]);
		expect(program).toMatchObject({ command: "print" });
		const text = (program as { text: string }).text;
		expect(text).toMatch(/^Usage: curator \[options\] \[command\]/);
		expect(text).toMatch(/\n {2}run \[options\] <pipeline> +run a pipeline/);
		expect(text).toContain("backends [options]");
		for (const argv of [
			["run", "--help"],
			["help", "run"],
			["run", "demo", "-h"],
		]) {
			const help = parseCommand(argv) as { command: string; text: string };
			expect(help.command).toBe("print");
			expect(help.text).toMatch(/^Usage: curator run \[options\] <pipeline>/);
			expect(help.text).toMatch(/--workers <n> +workers per stage/);
			expect(help.text).toMatch(/--backend <name> +backend short name or package/);
			expect(help.text).not.toContain("--event-stream");
		}
		expect((parseCommand(["backends", "--help"]) as { text: string }).text).toMatch(
			/^Usage: curator backends \[options\]\n\nlist the installed backends/,
		);
	});

	it.each([
		[["run", "demo", "--nope"], "unknown option '--nope'"],
		[["run", "demo", "--jsn"], "unknown option '--jsn'\n(Did you mean --json?)"],
		[["run", "demo", "--workers"], "option '--workers <n>' argument missing"],
		[
			["run", "demo", "--mode", "replace"],
			`option '--mode <mode>' argument 'replace' is invalid. Allowed choices are error, overwrite, append, ignore.`,
		],
		[["run", "demo", "--workers", "0"], '--workers must be a whole number >= 1, got "0"'],
		[["run", "demo", "--workers", "-1"], '--workers must be a whole number >= 1, got "-1"'],
		[["run", "demo", "--workers", "two"], '--workers must be a whole number >= 1, got "two"'],
		[["run", "demo", "--batch-size", "1.5"], '--batch-size must be a whole number >= 1, got "1.5"'],
		[
			["run", "demo", "--log-level", "loud"],
			"option '--log-level <level>' argument 'loud' is invalid",
		],
		[["run", "demo", "--input", " "], "--input needs a path"],
		[["run", "demo", "--backend", ""], "--backend needs a backend name"],
		[["run", "demo", "--ray-address", ""], "--ray-address needs an address (host:port)"],
		[["run", "demo", "--restart"], "--restart goes with --checkpoint"],
		[["run"], "missing required argument 'pipeline'"],
		[["run", "a", "b"], "too many arguments for 'run'"],
		[["frobnicate"], "unknown command 'frobnicate'"],
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
