import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
	AbortError,
	type BaseExecutor,
	type Pipeline,
	type RunEvent,
	RunSummaryBuilder,
	type TaskFailure,
} from "@curator/core";
import {
	formatSummaryTable,
	type RenderMode,
	type RenderStream,
	RunRenderer,
	runReport,
} from "@curator/runtime/render";
import { flagDefaults, type ProgressMode, type RunFlags } from "./args.ts";
import { backendPlugins, loadBackend } from "./backends.ts";
import { ExitCodes, type StopSignal, stopSignals, UsageError } from "./errors.ts";
import { instantiate, loadPipeline } from "./load-pipeline.ts";
import { createCliLogger } from "./logger.ts";

/** What the CLI talks to; the real process by default, fakes in tests. */
export interface CliIO {
	stdout: RenderStream;
	stderr: RenderStream;
	cwd: string;
	/** Registers a handler for the stop signals (SIGINT, SIGTERM); returns its removal. */
	onInterrupt(handler: (signal: StopSignal) => void): () => void;
}

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
	const logger = createCliLogger(flags.logLevel);
	const plugin = backendPlugins[flags.backend];
	let executor: BaseExecutor;
	try {
		executor = new Executor(plugin.config({ workers: flags.workers, logger }));
	} catch (error) {
		throw new UsageError(`backend "${flags.backend}": ${firstLine(error)}`);
	}
	const renderer = new RunRenderer({
		stream: io.stderr,
		mode: renderMode(flags.progress),
		level: flags.logLevel === "silent" ? "error" : flags.logLevel,
	});
	if (flags.workers !== undefined && !plugin.acceptsWorkers) {
		renderer.message(
			`note: the ${flags.backend} backend runs one worker per stage; --workers is ignored`,
		);
	}
	const summary = new RunSummaryBuilder();
	const failures: TaskFailure[] = [];
	const onEvent = (event: RunEvent): void => {
		summary.add(event);
		if (event.type === "task:failed") failures.push(event.failure);
		renderer.onEvent(event);
	};
	const controller = new AbortController();
	let stoppedBy: StopSignal | undefined;
	const removeInterrupt = io.onInterrupt((signal) => {
		stoppedBy ??= signal;
		renderer.message(stopSignals[signal].note);
		controller.abort(signal);
	});
	let error: unknown;
	try {
		await pipeline.run(executor, undefined, {
			signal: controller.signal,
			onEvent,
			...(flags.checkpoint === undefined
				? {}
				: { checkpoint: resolve(io.cwd, flags.checkpoint), restart: flags.restart }),
		});
	} catch (caught) {
		error = caught;
	} finally {
		removeInterrupt();
		renderer.stop();
	}
	const report = runReport(pipeline.name, summary.build(), failures);
	if (error !== undefined) {
		report.ok = false;
		report.error ??= firstLine(error);
	}
	io.stdout.write(`${flags.json ? JSON.stringify(report) : formatSummaryTable(report)}\n`);
	if (error === undefined) {
		if (!flags.json)
			io.stdout.write(`output: ${resolve(io.cwd, flags.output ?? flagDefaults.output)}\n`);
		return ExitCodes.ok;
	}
	const stop = stopSignals[stoppedBy ?? "SIGINT"];
	const interrupted = controller.signal.aborted || error instanceof AbortError;
	io.stderr.write(`curator: ${interrupted ? stop.word : "run failed"}: ${firstLine(error)}\n`);
	if (flags.logLevel === "debug") io.stderr.write(`${stackOf(error)}\n`);
	return interrupted ? stop.code : ExitCodes.runFailed;
}

function renderMode(progress: ProgressMode): RenderMode | "auto" {
	return progress === "none" ? "silent" : progress;
}

/** The first line of an error's message. */
export function firstLine(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return message.split("\n")[0] ?? message;
}

/** The stack of an error and of its causes, for `--log-level debug`. */
export function stackOf(error: unknown): string {
	const parts: string[] = [];
	let current: unknown = error;
	for (let depth = 0; current !== undefined && depth < 5; depth++) {
		parts.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
		current = current instanceof Error ? current.cause : undefined;
		if (current !== undefined) parts.push("caused by:");
	}
	return parts.join("\n");
}
