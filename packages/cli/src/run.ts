import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import {
	type BackendDescriptor,
	type BackendFlag,
	type BackendFlagValues,
	type BaseExecutor,
	backendConfig,
	ignoredFlags,
	type Logger,
	type Pipeline,
} from "@curator/core";
import type { RunOutput } from "@curator/runtime/render";
import { flagDefaults, type RunFlags } from "./args.ts";
import { loadBackend } from "./backends.ts";
import { type StopSignal, stopSignals, UsageError } from "./errors.ts";
import type { CliIO } from "./io.ts";
import { instantiate, loadPipeline } from "./load-pipeline.ts";
import { createCliLogger } from "./logger.ts";
import { publishedOutput } from "./published.ts";
import { firstLine, RunView } from "./run-view.ts";

/** Builds the pipeline a `run` or `describe` command names; problems are usage errors. */
export async function preparePipeline(
	target: string,
	flags: RunFlags,
	io: CliIO,
): Promise<Pipeline> {
	const input = flags.input === undefined ? undefined : resolve(io.cwd, flags.input);
	if (input !== undefined && !existsSync(input)) {
		throw new UsageError(`input path does not exist: ${flags.input}`);
	}
	const loaded = await loadPipeline(target, io.cwd);
	const options = {
		output: resolve(io.cwd, flags.output ?? flagDefaults.output),
		mode: flags.mode,
		...(input === undefined ? {} : { input }),
		...(flags.batchSize === undefined ? {} : { batchSize: flags.batchSize }),
		...(flags.workers === undefined ? {} : { workers: flags.workers }),
	};
	const explicit = {
		input: flags.input !== undefined,
		output: flags.output !== undefined,
		mode: flags.mode !== flagDefaults.mode,
		batchSize: flags.batchSize !== undefined,
	};
	let pipeline: Pipeline;
	try {
		pipeline = await instantiate(loaded, options, explicit);
		pipeline.build();
	} catch (error) {
		if (error instanceof UsageError) throw error;
		throw new UsageError(`invalid pipeline ${target}: ${firstLine(error)}`);
	}
	return pipeline;
}

/** `curator run`: runs the pipeline, renders progress, prints the summary; returns the exit code. */
export async function runCommand(target: string, flags: RunFlags, io: CliIO): Promise<number> {
	const { descriptor } = await loadBackend(flags.backend, io.cwd);
	const pipeline = await preparePipeline(target, flags, io);
	warn(io, flags, [...flagWarnings(descriptor, flags), ...inputWarnings(flags, io.cwd)]);
	// The logger prints every record, those of log events too: the view shows none of them.
	const view = new RunView(flags, io, { logEvents: false });
	const logger = createCliLogger(flags.logLevel, view.logSink());
	let executor: BaseExecutor;
	try {
		executor = createExecutor(descriptor, flags, logger);
	} catch (error) {
		view.close();
		throw error;
	}
	const controller = new AbortController();
	let stoppedBy: StopSignal | undefined;
	const removeInterrupt = io.onInterrupt((signal) => {
		stoppedBy ??= signal;
		view.message(stopSignals[signal].note);
		controller.abort(signal);
	});
	let error: unknown;
	let output: RunOutput | undefined;
	const folder = resolve(io.cwd, flags.output ?? flagDefaults.output);
	try {
		const { runId } = await pipeline.run(executor, undefined, {
			signal: controller.signal,
			onEvent: view.onEvent,
			...(flags.checkpoint === undefined
				? {}
				: { checkpoint: resolve(io.cwd, flags.checkpoint), restart: flags.restart }),
		});
		output = await publishedOutput(folder, runId, io.cwd);
	} catch (caught) {
		error = caught;
	} finally {
		removeInterrupt();
	}
	return view.finish(pipeline.name, error, stoppedBy, output);
}

/** The run's executor, configured by the backend's descriptor from the flags and the environment. */
function createExecutor(
	descriptor: BackendDescriptor,
	flags: RunFlags,
	logger: Logger,
): BaseExecutor {
	const config = backendConfig(descriptor, {
		flags: backendFlagsOf(flags),
		logger,
		env: process.env,
	});
	try {
		return new descriptor.executor(config);
	} catch (error) {
		throw new UsageError(`backend "${descriptor.name}": ${firstLine(error)}`);
	}
}

function backendFlagsOf(flags: RunFlags): BackendFlagValues {
	return {
		...(flags.workers === undefined ? {} : { workers: flags.workers }),
		...(flags.rayAddress === undefined ? {} : { rayAddress: flags.rayAddress }),
	};
}

/** Warnings before a run starts, on stderr unless the log level is error or silent. */
function warn(io: CliIO, flags: RunFlags, warnings: string[]): void {
	if (flags.logLevel === "error" || flags.logLevel === "silent") return;
	for (const warning of warnings) io.stderr.write(`curator: warning: ${warning}\n`);
}

/** The given run flags the backend does not take. */
function flagWarnings(descriptor: BackendDescriptor, flags: RunFlags): string[] {
	return ignoredFlags(descriptor, backendFlagsOf(flags)).map(
		(flag) => `the ${descriptor.name} backend does not take ${flagNames[flag]}; it is ignored`,
	);
}

/** The command-line spelling of each backend flag. */
const flagNames: Readonly<Record<BackendFlag, string>> = {
	workers: "--workers",
	rayAddress: "--ray-address",
};

/** What looks wrong with `--input` without being an error: an empty file. */
export function inputWarnings(flags: Pick<RunFlags, "input">, cwd: string): string[] {
	if (flags.input === undefined) return [];
	const stats = statSync(resolve(cwd, flags.input), { throwIfNoEntry: false });
	return stats?.isFile() === true && stats.size === 0
		? [`the input file ${flags.input} is empty: the run reads no document`]
		: [];
}
