import { createRequire } from "node:module";
import { formatTable } from "@curator/runtime/render";
import { type Command, parseCommand, type RunFlags } from "./args.ts";
import { listBackends } from "./backends.ts";
import { ExitCodes, UsageError } from "./errors.ts";
import { helpText } from "./help.ts";
import { type CliIO, processIO } from "./io.ts";
import { preparePipeline, runCommand } from "./run.ts";
import { firstLine, stackOf } from "./run-view.ts";
import { submitCommand } from "./submit.ts";

/**
 * Runs the `curator` command line and resolves to its exit code: 0 done,
 * 1 run failed, 2 bad usage, 130 interrupted (SIGINT), 143 terminated
 * (SIGTERM). Errors are reported as one line on stderr (with the stack only
 * under `--log-level debug`).
 */
export async function runCli(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
	let command: Command | undefined;
	try {
		command = parseCommand(argv);
		return await dispatch(command, io);
	} catch (error) {
		const usage = error instanceof UsageError;
		io.stderr.write(`curator: ${usage ? "" : "error: "}${firstLine(error)}\n`);
		if (usage && command === undefined) io.stderr.write(`run "curator --help" for usage\n`);
		if (debugging(command)) io.stderr.write(`${stackOf(error)}\n`);
		return usage ? ExitCodes.usage : ExitCodes.runFailed;
	}
}

async function dispatch(command: Command, io: CliIO): Promise<number> {
	switch (command.command) {
		case "help":
			if (command.topic !== undefined && !["run", "describe", "backends"].includes(command.topic)) {
				throw new UsageError(
					`unknown command "${command.topic}" (commands: run, describe, backends)`,
				);
			}
			io.stdout.write(helpText());
			return ExitCodes.ok;
		case "version":
			io.stdout.write(`${version()}\n`);
			return ExitCodes.ok;
		case "backends":
			return backendsCommand(command.json, io);
		case "describe":
			return describeCommand(command.pipeline, command.flags, io);
		case "run":
			return runCommand(command.pipeline, command.flags, io);
		case "submit":
			return submitCommand(command.pipeline, command.flags, command.address, io);
	}
}

async function backendsCommand(json: boolean, io: CliIO): Promise<number> {
	const statuses = await listBackends();
	if (json) {
		const list = statuses.map((s) => ({
			name: s.name,
			package: s.packageName,
			installed: s.installed,
			...(s.installed ? {} : { reason: s.reason }),
		}));
		io.stdout.write(`${JSON.stringify(list)}\n`);
		return ExitCodes.ok;
	}
	const rows = statuses.map((s) => [s.name, s.packageName, s.installed ? "installed" : s.reason]);
	io.stdout.write(`${formatTable(["backend", "package", "status"], rows)}\n`);
	return ExitCodes.ok;
}

async function describeCommand(target: string, flags: RunFlags, io: CliIO): Promise<number> {
	const pipeline = await preparePipeline(target, flags, io);
	if (!flags.json) {
		io.stdout.write(`${pipeline.describe()}\n`);
		return ExitCodes.ok;
	}
	const stages = pipeline.build().map((stage) => ({
		name: stage.name,
		class: stage.constructor.name,
		role: stage.role ?? null,
		batchSize: stage.batchSize,
		numWorkers: stage.numWorkers() ?? null,
		resources: stage.resources.toJSON(),
	}));
	io.stdout.write(
		`${JSON.stringify({ name: pipeline.name, description: pipeline.description, stages })}\n`,
	);
	return ExitCodes.ok;
}

function debugging(command: Command | undefined): boolean {
	return (
		command !== undefined &&
		(command.command === "run" || command.command === "describe") &&
		command.flags.logLevel === "debug"
	);
}

function version(): string {
	const require = createRequire(import.meta.url);
	return (require("../package.json") as { version: string }).version;
}
