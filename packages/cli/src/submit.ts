import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunEvent } from "@curator/core";
import type { RunReport } from "@curator/runtime/render";
import { flagDefaults, type RunFlags } from "./args.ts";
import { importPackage } from "./backends.ts";
import {
	BackendUnavailableError,
	ExitCodes,
	type StopSignal,
	stopSignals,
	UsageError,
} from "./errors.ts";
import type { CliIO } from "./io.ts";
import { examples } from "./load-pipeline.ts";
import { EVENT_LINE, firstLine, REPORT_LINE, RunView } from "./run-view.ts";

/** The bridge's `submitPipelineJob`, as far as this command uses it. */
type SubmitJob = (options: {
	address: string;
	main: string;
	args: (string | { file: string })[];
	project: string;
	onLog(text: string): void;
	onPackage?(
		name: string,
		result: { uri: string; uploaded: boolean; bytes: number; sentBytes: number },
		seconds: number,
	): void;
	onSubmitted?(id: string): void;
	signal?: AbortSignal;
}) => Promise<{ info: { status: string; message?: string; driverExitCode?: number } }>;

/**
 * `curator submit`: runs the pipeline as a job on a Ray cluster (through the Xenna
 * bridge, which ships it with everything it imports), streams the job's log and the
 * run's progress back, and prints the run's summary as `curator run` does. Ctrl-C
 * stops the job. Paths (`--input`, `--output`, `--checkpoint`) are taken as this
 * machine resolves them and must mean the same on the cluster (shared storage).
 */
export async function submitCommand(
	target: string,
	flags: RunFlags,
	address: string,
	io: CliIO,
): Promise<number> {
	if (examples[target] === undefined && !existsSync(resolve(io.cwd, target))) {
		throw new UsageError(`pipeline file not found: ${target}`);
	}
	const submit = await loadSubmit(io.cwd);
	// This side shows the job's events; it does not print them again as lines.
	const view = new RunView({ ...flags, eventStream: false }, io);
	const controller = new AbortController();
	let stoppedBy: StopSignal | undefined;
	const removeInterrupt = io.onInterrupt((signal) => {
		stoppedBy ??= signal;
		view.message(`${stopSignals[signal].note.split(":")[0]}: stopping the Ray job`);
		controller.abort(signal);
	});
	const lines = new JobLogLines(view);
	let outcome: Awaited<ReturnType<SubmitJob>> | undefined;
	let error: unknown;
	try {
		outcome = await submit({
			address,
			main: fileURLToPath(new URL("./bin.js", import.meta.url)),
			args: jobArgs(target, flags, io.cwd),
			project: io.cwd,
			onLog: (text) => lines.push(text),
			onPackage: (name, result, seconds) =>
				view.message(
					`package ${name}: ${mib(result.bytes)}, ${result.uploaded ? `uploaded (${mib(result.sentBytes)} zipped) in ${seconds.toFixed(1)} s` : `already on the cluster (checked in ${seconds.toFixed(1)} s)`}`,
				),
			onSubmitted: (id) => view.message(`job ${id} submitted to ${address} (Ctrl-C stops it)`),
			signal: controller.signal,
		});
	} catch (caught) {
		error = caught;
	} finally {
		removeInterrupt();
		lines.end();
	}
	return finishSubmit(view, lines.report, outcome?.info, error, stoppedBy, io);
}

/** The job's command line: `curator run` of the same pipeline and flags on the xenna backend. */
export function jobArgs(
	target: string,
	flags: RunFlags,
	cwd: string,
): (string | { file: string })[] {
	const pipeline = examples[target] !== undefined ? target : { file: resolve(cwd, target) };
	const args: (string | { file: string })[] = ["run", pipeline, "--backend", "xenna"];
	args.push("--event-stream", "--log-level", flags.logLevel, "--mode", flags.mode);
	args.push("--output", resolve(cwd, flags.output ?? flagDefaults.output));
	if (flags.input !== undefined) args.push("--input", resolve(cwd, flags.input));
	if (flags.checkpoint !== undefined) args.push("--checkpoint", resolve(cwd, flags.checkpoint));
	if (flags.restart) args.push("--restart");
	if (flags.workers !== undefined) args.push("--workers", String(flags.workers));
	if (flags.batchSize !== undefined) args.push("--batch-size", String(flags.batchSize));
	return args;
}

function mib(bytes: number): string {
	return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** The package `curator submit` runs jobs with. */
const bridgePackage = "@curator/backend-xenna-bridge";

async function loadSubmit(cwd: string): Promise<SubmitJob> {
	let module: Record<string, unknown>;
	try {
		module = await importPackage(bridgePackage, cwd);
	} catch (error) {
		throw new BackendUnavailableError("xenna", `curator submit needs ${firstLine(error)}`);
	}
	if (typeof module.submitPipelineJob !== "function") {
		throw new BackendUnavailableError(
			"xenna",
			`${bridgePackage} does not export submitPipelineJob`,
		);
	}
	return module.submitPipelineJob as SubmitJob;
}

/** Splits the job's log into lines: run events and the report go to the view, the rest is shown. */
class JobLogLines {
	report: RunReport | undefined;
	readonly #view: RunView;
	#partial = "";

	constructor(view: RunView) {
		this.#view = view;
	}

	push(text: string): void {
		const lines = (this.#partial + text).split("\n");
		this.#partial = lines.pop() ?? "";
		for (const line of lines) this.#line(line);
	}

	end(): void {
		if (this.#partial !== "") this.#line(this.#partial);
		this.#partial = "";
	}

	#line(line: string): void {
		if (line.startsWith(EVENT_LINE)) {
			this.#view.onEvent(JSON.parse(line.slice(EVENT_LINE.length)) as RunEvent);
		} else if (line.startsWith(REPORT_LINE)) {
			this.report = JSON.parse(line.slice(REPORT_LINE.length)) as RunReport;
		} else if (line.trim() !== "") {
			this.#view.message(line);
		}
	}
}

function finishSubmit(
	view: RunView,
	report: RunReport | undefined,
	info: { status: string; message?: string; driverExitCode?: number } | undefined,
	error: unknown,
	stoppedBy: StopSignal | undefined,
	io: CliIO,
): number {
	view.close();
	if (report !== undefined) view.printReport(report);
	if (error === undefined && report?.ok === true) return ExitCodes.ok;
	if (stoppedBy !== undefined) {
		io.stderr.write(`curator: ${stopSignals[stoppedBy].word}: the Ray job was stopped\n`);
		return stopSignals[stoppedBy].code;
	}
	const reason =
		error !== undefined
			? firstLine(error)
			: (report?.error ?? `the Ray job ended ${info?.status ?? "?"}: ${info?.message ?? ""}`);
	io.stderr.write(`curator: run failed: ${reason}\n`);
	return info?.driverExitCode === ExitCodes.usage ? ExitCodes.usage : ExitCodes.runFailed;
}
