import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { BaseExecutor, Pipeline } from "@curator/core";
import type { RunOutput } from "@curator/runtime/render";
import { flagDefaults, type RunFlags } from "./args.ts";
import { backendPlugins, loadBackend } from "./backends.ts";
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
	const Executor = await loadBackend(flags.backend);
	const pipeline = await preparePipeline(target, flags, io);
	// The logger prints every record, those of log events too: the view shows none of them.
	const view = new RunView(flags, io, { logEvents: false });
	const logger = createCliLogger(flags.logLevel, view.logSink());
	const plugin = backendPlugins[flags.backend];
	let executor: BaseExecutor;
	try {
		executor = new Executor(plugin.config({ workers: flags.workers, logger }));
	} catch (error) {
		view.close();
		throw new UsageError(`backend "${flags.backend}": ${firstLine(error)}`);
	}
	if (flags.workers !== undefined && !plugin.acceptsWorkers) {
		view.message(
			`note: the ${flags.backend} backend runs one worker per stage; --workers is ignored`,
		);
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
