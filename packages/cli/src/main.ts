import { formatTable } from "@curator/runtime/render";
import { type Command, parseCommand, type RunFlags } from "./args.ts";
import { listBackends, missingBuiltIns } from "./backends.ts";
import { ExitCodes, UsageError } from "./errors.ts";
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
		if (usage && command === undefined) io.stderr.write(`run "${helpCommand(argv)}" for usage\n`);
		if (debugging(command)) io.stderr.write(`${stackOf(error)}\n`);
		return usage ? ExitCodes.usage : ExitCodes.runFailed;
	}
}

async function dispatch(command: Command, io: CliIO): Promise<number> {
	switch (command.command) {
		case "print":
			io.stdout.write(command.text);
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

/** `curator backends`: the installed backends (name, package, version, description), checked by loading each. */
async function backendsCommand(json: boolean, io: CliIO): Promise<number> {
	const backends = await listBackends(io.cwd);
	if (json) {
		const list = backends.map((b) => ({
			name: b.name,
			package: b.packageName,
			version: b.version,
			description: b.description,
			ok: b.problem === undefined,
			...(b.problem === undefined ? {} : { problem: b.problem }),
		}));
		io.stdout.write(`${JSON.stringify(list)}\n`);
		return ExitCodes.ok;
	}
	const rows = backends.map((b) => [
		b.name,
		b.packageName,
		b.version,
		b.problem === undefined ? b.description : `cannot load: ${b.problem}`,
	]);
	io.stdout.write(`${formatTable(["backend", "package", "version", "description"], rows)}\n`);
	const missing = await missingBuiltIns(io.cwd);
	if (missing.length > 0)
		io.stdout.write(`not installed: ${missing.join(", ")} (npm install <package>)\n`);
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
		(command.command === "run" || command.command === "describe" || command.command === "submit") &&
		command.flags.logLevel === "debug"
	);
}

/** The help that fits a command line that failed to parse: its command's, else the program's. */
function helpCommand(argv: readonly string[]): string {
	const name = argv[0];
	return name !== undefined && ["run", "describe", "submit", "backends"].includes(name)
		? `curator ${name} --help`
		: "curator --help";
}
