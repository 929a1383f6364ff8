import { createRequire } from "node:module";
import { outputModes } from "@curator/text";
import { Command, Option } from "commander";
import { cliLogLevels, flagDefaults, progressModes } from "./args.ts";

/** The options of a command as commander parsed them (values as given, not yet checked). */
export interface ParsedOptions {
	backend?: string;
	input?: string;
	output?: string;
	mode?: string;
	checkpoint?: string;
	restart?: boolean;
	workers?: string;
	rayAddress?: string;
	batchSize?: string;
	logLevel?: string;
	json?: boolean;
	progress?: string;
	events?: string;
	eventStream?: boolean;
	address?: string;
}

/** Where the program's output goes and what it does with a parsed command. */
export interface ProgramHooks {
	/** Help and version text. */
	write(text: string): void;
	/** Called once with the command, its pipeline argument and its options. */
	onCommand(name: string, pipeline: string | undefined, options: ParsedOptions): void;
}

const notes = `
A pipeline is a .ts or .js module exporting createPipeline(options) or a default Pipeline,
or a built-in example: demo (the embedded sample through heuristic filters and exact dedup).

Exit codes: 0 done, 1 run failed, 2 bad usage, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
`;

const backendNote = `
--backend takes a backend's short name or its npm package, found in the current project first,
then beside the CLI: "curator backends" lists what is installed. A backend is a package that
exports a descriptor (see @curator/core, defineBackend); install one with npm install <package>.
`;

/**
 * The `curator` program: its commands, options and help. Commander parses;
 * it never exits the process or prints errors (the caller does, as usage errors).
 */
export function buildProgram(hooks: ProgramHooks): Command {
	const program = new Command("curator")
		.description("run Curator TS pipelines on any installed backend")
		.exitOverride()
		.configureOutput({ writeOut: hooks.write, writeErr: () => {}, outputError: () => {} })
		.showSuggestionAfterError(true)
		.helpOption("-h, --help", "show help (also: curator help <command>)")
		.version(version(), "-v, --version", "the CLI's version")
		.addHelpText("after", notes);
	const pipelineCommand = (name: string, summary: string) =>
		withRunOptions(
			program.command(name).description(summary).argument("<pipeline>", "pipeline file or example"),
		);
	pipelineCommand("run", "run a pipeline and print its summary")
		.addHelpText("after", `${backendNote}${notes}`)
		.action((pipeline: string, options: ParsedOptions) =>
			hooks.onCommand("run", pipeline, options),
		);
	pipelineCommand("describe", "print the pipeline's execution stages").action(
		(pipeline: string, options: ParsedOptions) => hooks.onCommand("describe", pipeline, options),
	);
	pipelineCommand("submit", "run a pipeline as a job on a Ray cluster (the xenna backend)")
		.option("--address <url>", "the cluster's dashboard, http://<head node>:8265 (env RAY_ADDRESS)")
		.action((pipeline: string, options: ParsedOptions) =>
			hooks.onCommand("submit", pipeline, options),
		);
	program
		.command("backends")
		.description("list the installed backends: name, package, version, description")
		.option("--json", "one JSON array on stdout")
		.action((options: ParsedOptions) => hooks.onCommand("backends", undefined, options));
	return program;
}

function withRunOptions(command: Command): Command {
	return command
		.option("--backend <name>", `backend short name or package (default: ${flagDefaults.backend})`)
		.option("--input <path>", "JSONL file or folder to read (default: the pipeline's own input)")
		.option("--output <dir>", `folder to write to (default: ${flagDefaults.output})`)
		.addOption(
			new Option("--mode <mode>", "what to do with an --output folder that is not empty")
				.choices(outputModes)
				.default(flagDefaults.mode),
		)
		.option("--checkpoint <dir>", "make the run resumable: a re-run skips the partitions done")
		.option("--restart", "with --checkpoint: forget it and start over")
		.option("--workers <n>", "workers per stage, for backends that run several")
		.option("--ray-address <host:port>", "a running Ray cluster, for backends that join one")
		.option("--batch-size <n>", "tasks per stage call")
		.addOption(
			new Option("--log-level <level>", "log level; debug also prints stack traces")
				.choices(cliLogLevels)
				.default(flagDefaults.logLevel),
		)
		.addOption(
			new Option("--progress <mode>", "bars on a terminal, lines otherwise (auto)")
				.choices(progressModes)
				.default(flagDefaults.progress),
		)
		.option("--json", "print the run summary as one JSON object on stdout")
		.option("--events <file>", "write every run event to a file, one JSON line each")
		.addOption(new Option("--event-stream", "run events as lines on stdout").hideHelp());
}

/** The CLI's version, from its package.json. */
export function version(): string {
	const require = createRequire(import.meta.url);
	return (require("../package.json") as { version: string }).version;
}
