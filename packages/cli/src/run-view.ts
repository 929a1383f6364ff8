import { closeSync, openSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { AbortError, type RunEvent, RunSummaryBuilder, type TaskFailure } from "@curator/core";
import {
	formatSummaryTable,
	type RunOutput,
	RunRenderer,
	type RunReport,
	runReport,
} from "@curator/runtime/render";
import { flagDefaults, type RunFlags } from "./args.ts";
import { ExitCodes, type StopSignal, stopSignals } from "./errors.ts";
import type { CliIO } from "./io.ts";

/**
 * The prefix of a run event written as a line of the output (`--event-stream`): a job of
 * `curator submit` writes its run's events so, and the submitting side reads them back
 * from the job's log and shows the run as `curator run` would.
 */
export const EVENT_LINE = "@curator-event ";

/** The prefix of the run's report (the summary as JSON), the last line of an `--event-stream` run. */
export const REPORT_LINE = "@curator-report ";

/** Options of {@link RunView}. */
export interface RunViewOptions {
	/**
	 * Show the run's `log` events (default `true`). `curator run` says
	 * `false`: its logger prints every record, those of `log` events too.
	 */
	logEvents?: boolean;
}

/** What a run looks like in the terminal: progress, the events file, and the summary at its end. */
export class RunView {
	readonly #flags: RunFlags;
	readonly #io: CliIO;
	readonly #summary = new RunSummaryBuilder();
	readonly #failures: TaskFailure[] = [];
	readonly #renderer: RunRenderer;
	#eventsFile: number | undefined;

	constructor(flags: RunFlags, io: CliIO, options: RunViewOptions = {}) {
		this.#flags = flags;
		this.#io = io;
		this.#renderer = new RunRenderer({
			stream: io.stderr,
			mode: flags.progress === "none" || flags.eventStream ? "silent" : flags.progress,
			level: flags.logLevel === "silent" ? "error" : flags.logLevel,
			logs: options.logEvents ?? true,
		});
		this.#eventsFile =
			flags.events === undefined ? undefined : openSync(resolve(io.cwd, flags.events), "w");
	}

	/** Takes one event of the run (pass it as `RunOptions.onEvent`). */
	readonly onEvent = (event: RunEvent): void => {
		this.#summary.add(event);
		if (event.type === "task:failed") this.#failures.push(event.failure);
		this.#renderer.onEvent(event);
		if (this.#eventsFile !== undefined || this.#flags.eventStream) {
			const line = `${JSON.stringify(event)}\n`;
			if (this.#eventsFile !== undefined) writeSync(this.#eventsFile, line);
			if (this.#flags.eventStream) this.#io.stdout.write(`${EVENT_LINE}${line}`);
		}
	};

	/**
	 * Where the CLI's logger writes readable lines: on a terminal, above the
	 * progress bars; `undefined` when stderr is not a terminal (JSON lines then).
	 */
	logSink(): ((line: string) => void) | undefined {
		if (this.#io.stderr.isTTY !== true) return undefined;
		if (this.#renderer.mode === "silent") return (line) => this.#io.stderr.write(`${line}\n`);
		return (line) => this.#renderer.message(line);
	}

	/** Ends the progress display and closes the events file. */
	close(): void {
		this.#renderer.stop();
		if (this.#eventsFile !== undefined) closeSync(this.#eventsFile);
		this.#eventsFile = undefined;
	}

	/** Prints a run's summary on stdout: a table, or JSON with `--json`. */
	printReport(report: RunReport): void {
		const { stdout } = this.#io;
		// On a terminal the summary fits its width; piped, nothing is cut.
		const width = stdout.isTTY === true ? stdout.columns : undefined;
		const text = this.#flags.json
			? JSON.stringify(report)
			: formatSummaryTable(report, width === undefined ? {} : { width });
		this.#io.stdout.write(`${text}\n`);
	}

	/** A line for the user, kept clear of the progress display. */
	message(text: string): void {
		this.#renderer.message(text);
	}

	/**
	 * Ends the display and prints the run's summary (a table, or JSON with `--json`;
	 * in `--event-stream` mode a report line, which the submitting side prints); returns
	 * the exit code for the run's outcome. `output` is what the run published, when known.
	 */
	finish(
		pipeline: string,
		error: unknown,
		stoppedBy: StopSignal | undefined,
		output?: RunOutput,
	): number {
		this.close();
		const report = runReport(pipeline, this.#summary.build(), this.#failures);
		if (output !== undefined) report.output = output;
		if (error !== undefined) {
			report.ok = false;
			report.error ??= firstLine(error);
		}
		const { stdout, stderr } = this.#io;
		if (this.#flags.eventStream) stdout.write(`${REPORT_LINE}${JSON.stringify(report)}\n`);
		else this.printReport(report);
		if (error === undefined) {
			// The headline names the folder when the run published there.
			if (!this.#flags.json && !this.#flags.eventStream && output === undefined) {
				stdout.write(
					`output: ${resolve(this.#io.cwd, this.#flags.output ?? flagDefaults.output)}\n`,
				);
			}
			return ExitCodes.ok;
		}
		const stop = stopSignals[stoppedBy ?? "SIGINT"];
		const interrupted = stoppedBy !== undefined || error instanceof AbortError;
		stderr.write(`curator: ${interrupted ? stop.word : "run failed"}: ${firstLine(error)}\n`);
		if (this.#flags.logLevel === "debug") stderr.write(`${stackOf(error)}\n`);
		return interrupted ? stop.code : ExitCodes.runFailed;
	}
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
