import type { OutputMode } from "@curator/text";
import { CommanderError } from "commander";
import { UsageError } from "./errors.ts";
import { buildProgram, type ParsedOptions } from "./program.ts";

/** Log levels accepted by `--log-level`. */
export const cliLogLevels = ["debug", "info", "warn", "error", "silent"] as const;

/** One of {@link cliLogLevels}. */
export type CliLogLevel = (typeof cliLogLevels)[number];

/** Values of `--progress`. */
export const progressModes = ["auto", "bars", "lines", "none"] as const;

/** One of {@link progressModes}. */
export type ProgressMode = (typeof progressModes)[number];

/** A parsed command line. */
export type Command =
	| { command: "print"; text: string }
	| { command: "backends"; json: boolean }
	| { command: "describe"; pipeline: string; flags: RunFlags }
	| { command: "run"; pipeline: string; flags: RunFlags }
	| { command: "submit"; pipeline: string; flags: RunFlags; address: string };

/** Flags of `run`, `describe` and `submit`. */
export interface RunFlags {
	/** `--backend`: a backend's short name or its package (see `curator backends`). */
	backend: string;
	input: string | undefined;
	output: string | undefined;
	/** `--mode`: what the pipeline's writers do with a used output folder. */
	mode: OutputMode;
	/** `--checkpoint`: the folder that makes the run resumable (see `RunOptions.checkpoint`). */
	checkpoint: string | undefined;
	/** `--restart`: with `--checkpoint`, forget what it holds and start over. */
	restart: boolean;
	workers: number | undefined;
	/** `--ray-address`: a running Ray cluster, for the backends that take it. */
	rayAddress: string | undefined;
	batchSize: number | undefined;
	logLevel: CliLogLevel;
	json: boolean;
	progress: ProgressMode;
	/** `--events`: a file that gets every run event as one JSON line. */
	events: string | undefined;
	/** `--event-stream`: run events as prefixed lines on stdout, no summary (what a job of `curator submit` runs with). */
	eventStream: boolean;
}

/** Defaults of {@link RunFlags}. */
export const flagDefaults = {
	backend: "local",
	output: "./curator-out",
	mode: "error",
	logLevel: "warn",
	progress: "auto",
} as const;

/**
 * Parses `argv` (without node and script); throws {@link UsageError} on
 * anything wrong. `--help` (of the program or of a command) and `--version`
 * give a `print` command with the text to show.
 */
export function parseCommand(argv: readonly string[]): Command {
	let parsed: Command | undefined;
	let printed = "";
	const program = buildProgram({
		write: (text) => {
			printed += text;
		},
		onCommand: (name, pipeline, options) => {
			parsed = commandOf(name, pipeline, options);
		},
	});
	if (argv.length === 0) return { command: "print", text: program.helpInformation() };
	try {
		program.parse([...argv], { from: "user" });
	} catch (error) {
		if (!(error instanceof CommanderError)) throw error;
		if (error.exitCode === 0) return { command: "print", text: printed };
		// A command line of options only: the program's help, as for no arguments.
		if (error.code === "commander.help") {
			return { command: "print", text: program.helpInformation() };
		}
		throw new UsageError(error.message.replace(/^error: /, ""));
	}
	if (parsed === undefined) return { command: "print", text: program.helpInformation() };
	return parsed;
}

function commandOf(name: string, pipeline: string | undefined, options: ParsedOptions): Command {
	if (name === "backends") return { command: "backends", json: options.json === true };
	const target = pipeline ?? "";
	if (name === "submit") {
		return { command: name, pipeline: target, flags: runFlags(options), address: address(options) };
	}
	return {
		command: name === "describe" ? "describe" : "run",
		pipeline: target,
		flags: runFlags(options),
	};
}

function runFlags(values: ParsedOptions): RunFlags {
	return {
		backend: nonEmpty("--backend", values.backend, "a backend name") ?? flagDefaults.backend,
		input: nonEmpty("--input", values.input),
		output: nonEmpty("--output", values.output),
		mode: (values.mode as OutputMode | undefined) ?? flagDefaults.mode,
		checkpoint: nonEmpty("--checkpoint", values.checkpoint),
		restart: restartFlag(values),
		workers: wholeNumber("--workers", values.workers),
		rayAddress: nonEmpty("--ray-address", values.rayAddress, "an address (host:port)"),
		batchSize: wholeNumber("--batch-size", values.batchSize),
		logLevel: (values.logLevel as CliLogLevel | undefined) ?? flagDefaults.logLevel,
		json: values.json === true,
		progress: (values.progress as ProgressMode | undefined) ?? flagDefaults.progress,
		events: nonEmpty("--events", values.events),
		eventStream: values.eventStream === true,
	};
}

/** `--address` of `submit`, else `RAY_ADDRESS` when it is a dashboard URL. */
function address(values: ParsedOptions): string {
	const given = values.address ?? process.env.RAY_ADDRESS;
	if (given === undefined || !/^https?:\/\/[^/\s]+/.test(given)) {
		throw new UsageError(
			`"curator submit" needs --address http://<head node>:8265 (the Ray dashboard)${given === undefined ? "" : `, got "${given}"`}`,
		);
	}
	return given.replace(/\/+$/, "");
}

function restartFlag(values: ParsedOptions): boolean {
	const restart = values.restart === true;
	if (restart && values.checkpoint === undefined) {
		throw new UsageError("--restart goes with --checkpoint (it starts the checkpoint's run over)");
	}
	return restart;
}

function nonEmpty(flag: string, value: string | undefined, what = "a path"): string | undefined {
	if (value !== undefined && value.trim().length === 0) {
		throw new UsageError(`${flag} needs ${what}`);
	}
	return value;
}

function wholeNumber(flag: string, value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const number = Number(value);
	if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1) {
		throw new UsageError(`${flag} must be a whole number >= 1, got "${value}"`);
	}
	return number;
}
