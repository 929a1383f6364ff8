import { parseArgs } from "node:util";
import { type OutputMode, outputModes } from "@curator/text";
import { type BackendName, backendNames } from "./backends.ts";
import { UsageError } from "./errors.ts";

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
	| { command: "help"; topic?: string }
	| { command: "version" }
	| { command: "backends"; json: boolean }
	| { command: "describe"; pipeline: string; flags: RunFlags }
	| { command: "run"; pipeline: string; flags: RunFlags }
	| { command: "submit"; pipeline: string; flags: RunFlags; address: string };

/** Flags of `run` and `describe`. */
export interface RunFlags {
	backend: BackendName;
	input: string | undefined;
	output: string | undefined;
	/** `--mode`: what the pipeline's writers do with a used output folder. */
	mode: OutputMode;
	/** `--checkpoint`: the folder that makes the run resumable (see `RunOptions.checkpoint`). */
	checkpoint: string | undefined;
	/** `--restart`: with `--checkpoint`, forget what it holds and start over. */
	restart: boolean;
	workers: number | undefined;
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

const options = {
	backend: { type: "string" },
	input: { type: "string" },
	output: { type: "string" },
	mode: { type: "string" },
	checkpoint: { type: "string" },
	restart: { type: "boolean" },
	workers: { type: "string" },
	"batch-size": { type: "string" },
	"log-level": { type: "string" },
	json: { type: "boolean" },
	progress: { type: "string" },
	events: { type: "string" },
	"event-stream": { type: "boolean" },
	address: { type: "string" },
	help: { type: "boolean", short: "h" },
	version: { type: "boolean", short: "v" },
} as const;

/** Parses `argv` (without node and script); throws {@link UsageError} on anything wrong. */
export function parseCommand(argv: readonly string[]): Command {
	let parsed: ReturnType<typeof parse>;
	try {
		parsed = parse(argv);
	} catch (error) {
		throw new UsageError(describeParseError(error));
	}
	const { values, positionals } = parsed;
	const [name, target, ...extra] = positionals;
	if (values.version) return { command: "version" };
	if (values.help || name === undefined || name === "help") {
		return name === undefined || name === "help"
			? withTopic(name === "help" ? target : undefined)
			: { command: "help", topic: name };
	}
	if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
	switch (name) {
		case "backends":
			if (target !== undefined) throw new UsageError(`unexpected argument "${target}"`);
			return { command: "backends", json: values.json ?? false };
		case "run":
		case "describe":
			if (target === undefined) {
				throw new UsageError(`"curator ${name}" needs a pipeline file or example name`);
			}
			return { command: name, pipeline: target, flags: runFlags(values) };
		case "submit":
			if (target === undefined) {
				throw new UsageError(`"curator submit" needs a pipeline file or example name`);
			}
			return { command: name, pipeline: target, flags: runFlags(values), address: address(values) };
		default:
			throw new UsageError(`unknown command "${name}" (commands: run, submit, describe, backends)`);
	}
}

function parse(argv: readonly string[]) {
	return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
}

function withTopic(topic: string | undefined): Command {
	return topic === undefined ? { command: "help" } : { command: "help", topic };
}

function runFlags(values: ReturnType<typeof parse>["values"]): RunFlags {
	return {
		backend: oneOf("--backend", values.backend ?? flagDefaults.backend, backendNames, "backend"),
		input: nonEmpty("--input", values.input),
		output: nonEmpty("--output", values.output),
		mode: oneOf("--mode", values.mode ?? flagDefaults.mode, outputModes, "output mode"),
		checkpoint: nonEmpty("--checkpoint", values.checkpoint),
		restart: restartFlag(values),
		workers: wholeNumber("--workers", values.workers),
		batchSize: wholeNumber("--batch-size", values["batch-size"]),
		logLevel: oneOf("--log-level", values["log-level"] ?? flagDefaults.logLevel, cliLogLevels),
		json: values.json ?? false,
		progress: oneOf("--progress", values.progress ?? flagDefaults.progress, progressModes),
		events: nonEmpty("--events", values.events),
		eventStream: values["event-stream"] ?? false,
	};
}

/** `--address` of `submit`, else `RAY_ADDRESS` when it is a dashboard URL. */
function address(values: ReturnType<typeof parse>["values"]): string {
	const given = values.address ?? process.env.RAY_ADDRESS;
	if (given === undefined || !/^https?:\/\/[^/\s]+/.test(given)) {
		throw new UsageError(
			`"curator submit" needs --address http://<head node>:8265 (the Ray dashboard)${given === undefined ? "" : `, got "${given}"`}`,
		);
	}
	return given.replace(/\/+$/, "");
}

function restartFlag(values: ReturnType<typeof parse>["values"]): boolean {
	const restart = values.restart ?? false;
	if (restart && values.checkpoint === undefined) {
		throw new UsageError("--restart goes with --checkpoint (it starts the checkpoint's run over)");
	}
	return restart;
}

function oneOf<T extends string>(
	flag: string,
	value: string,
	allowed: readonly T[],
	what = `value for ${flag}`,
): T {
	if ((allowed as readonly string[]).includes(value)) return value as T;
	throw new UsageError(`unknown ${what} "${value}" (one of: ${allowed.join(", ")})`);
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
	if (value !== undefined && value.trim().length === 0) {
		throw new UsageError(`${flag} needs a path`);
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

function describeParseError(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	const code = (error as { code?: string }).code;
	const option = /'([^']+)'/.exec(message)?.[1];
	if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option !== undefined) {
		return `unknown option "${option}"`;
	}
	if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option !== undefined) {
		return `option "${option.split(" ")[0]}" ${/argument missing/.test(message) ? "needs a value" : "takes no value"}`;
	}
	return message.split("\n")[0] ?? message;
}
