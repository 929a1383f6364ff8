import type { RunEvent } from "@curator/core";
import { finalLine, liveRegion, progressCounts, rateText } from "./bars.ts";
import { formatCount, formatDuration, formatSeconds } from "./format.ts";
import { formatLogRecord } from "./log-line.ts";
import { ProgressTracker, type StageProgress } from "./progress.ts";

/** How progress is shown: live bars (TTY), periodic lines (logs, CI), or nothing. */
export type RenderMode = "bars" | "lines" | "silent";

/** Levels of log events, least severe first. */
export const logLevels = ["debug", "info", "warn", "error"] as const;

/** One of {@link logLevels}. */
export type LogLevel = (typeof logLevels)[number];

/** Where the renderer writes (a TTY stream or anything with `write`). */
export interface RenderStream {
	write(text: string): unknown;
	isTTY?: boolean;
	columns?: number;
	/** The terminal's height: the live bars never take more than this, less one. */
	rows?: number;
}

/** Options of {@link RunRenderer}. */
export interface RunRendererOptions {
	stream: RenderStream;
	/** `"auto"` (default): bars when the stream is a TTY, lines otherwise. */
	mode?: RenderMode | "auto";
	/** Lines mode: at most one progress line per stage per interval. Default 5000 ms. */
	intervalMs?: number;
	/** Bars mode: minimum time between redraws. Default 100 ms. */
	redrawMs?: number;
	/** Least severe log event shown. Default `"info"`. */
	level?: LogLevel;
	/** Clock in milliseconds; injectable so tests need no real time. */
	now?: () => number;
	/** Start a timer that calls {@link RunRenderer.tick} (default `true`; tests call it themselves). */
	timer?: boolean;
	/**
	 * Show `log` events (default `true`). `false` where a logger already
	 * prints the run's records (a `log` event is also one, see core's
	 * `BaseExecutor.run`), so that each is printed once.
	 */
	logs?: boolean;
}

/** Defaults of {@link RunRendererOptions}. */
export const rendererDefaults = {
	mode: "auto",
	intervalMs: 5000,
	redrawMs: 100,
	level: "info",
	timer: true,
	logs: true,
} as const;

/**
 * The one renderer of run events: live bars per stage on a TTY, periodic
 * progress lines otherwise, and log, retry and failure events as lines.
 * Pass {@link RunRenderer.onEvent} as a run's `onEvent`, call
 * {@link RunRenderer.stop} when the run ends. Backends never draw.
 */
export class RunRenderer {
	readonly mode: RenderMode;
	readonly tracker: ProgressTracker;
	#options: Required<Omit<RunRendererOptions, "mode">>;
	#drawn = 0;
	#lastDraw = Number.NEGATIVE_INFINITY;
	#lastLine = new Map<string, number>();
	#timer: ReturnType<typeof setInterval> | undefined;
	#ended = false;

	constructor(options: RunRendererOptions) {
		const mode = options.mode ?? rendererDefaults.mode;
		this.mode = mode === "auto" ? (options.stream.isTTY ? "bars" : "lines") : mode;
		this.#options = {
			stream: options.stream,
			intervalMs: options.intervalMs ?? rendererDefaults.intervalMs,
			redrawMs: options.redrawMs ?? rendererDefaults.redrawMs,
			level: options.level ?? rendererDefaults.level,
			now: options.now ?? (() => performance.now()),
			timer: options.timer ?? rendererDefaults.timer,
			logs: options.logs ?? rendererDefaults.logs,
		};
		this.tracker = new ProgressTracker(this.#options.now);
		if (this.#options.timer && this.mode !== "silent") {
			const every = this.mode === "bars" ? this.#options.redrawMs : this.#options.intervalMs;
			this.#timer = setInterval(() => this.tick(), every);
			this.#timer.unref();
		}
	}

	/** The run-event listener (bound, so it can be passed as is). */
	readonly onEvent = (event: RunEvent): void => {
		this.tracker.add(event);
		if (this.mode === "silent") return;
		switch (event.type) {
			case "run:start":
				this.#ended = false;
				this.#drawn = 0;
				break;
			case "stage:start":
				if (this.mode === "lines") this.#line(`${event.stage}: started${workers(event.workers)}`);
				this.#redraw(true);
				break;
			case "stage:end":
				if (this.mode === "lines") this.#line(stageDone(this.#stage(event.stage)));
				this.#redraw(true);
				break;
			case "batch:done":
				this.tick();
				break;
			case "log":
				if (this.#options.logs && this.#shows(event.level)) this.message(formatLogRecord(event));
				break;
			case "retry":
				this.message(
					`warn [${event.stage}] retrying tasks [${event.taskIds.join(", ")}] (attempt ${event.attempt}): ${event.reason}`,
				);
				break;
			case "task:failed":
				this.message(
					`warn [${event.failure.stage}] tasks [${event.failure.taskIds.join(", ")}] failed: ${event.failure.error}`,
				);
				break;
			case "worker:exit":
				if (!event.expected) {
					const cause = event.signal ?? `code ${String(event.code)}`;
					this.message(
						`warn [${event.stage}] worker ${event.workerId} exited unexpectedly (${cause})`,
					);
				}
				break;
			case "run:end":
				this.#end();
				break;
			default:
				break;
		}
	};

	/** Periodic output: redraws the bars, or prints a line per running stage when one is due. */
	tick(): void {
		if (this.mode === "bars") {
			this.#redraw(false);
			return;
		}
		if (this.mode !== "lines") return;
		const now = this.#options.now();
		for (const stage of this.tracker.stages) {
			if (stage.state !== "running") continue;
			const last = this.#lastLine.get(stage.stage) ?? stage.startedAtMs ?? now;
			if (now - last < this.#options.intervalMs) continue;
			this.#lastLine.set(stage.stage, now);
			this.#line(`${stage.stage}: ${progressLine(stage, this.tracker)}`);
		}
	}

	/** Prints a line above the bars (or as a line in lines mode). */
	message(text: string): void {
		if (this.mode === "silent") return;
		this.#clearBars();
		this.#options.stream.write(`${text}\n`);
		this.#redraw(true);
	}

	/**
	 * Stops the timer and ends the display: the live bars give way to one
	 * final line for the run (printed at `run:end`, or here when the run
	 * never reported its end).
	 */
	stop(): void {
		if (this.#timer !== undefined) clearInterval(this.#timer);
		this.#timer = undefined;
		this.#end();
	}

	/** Replaces the live region (or ends the lines) with the run's final line, once. */
	#end(): void {
		if (this.#ended || this.mode === "silent") return;
		this.#ended = true;
		this.#clearBars();
		// A run refused before any stage started (a pre-flight check) has no progress to close.
		if (this.tracker.stages.some((s) => s.state !== "waiting")) this.#line(finalLine(this.tracker));
	}

	#shows(level: LogLevel): boolean {
		return logLevels.indexOf(level) >= logLevels.indexOf(this.#options.level);
	}

	#stage(name: string): StageProgress {
		return this.tracker.stages.find((s) => s.stage === name) as StageProgress;
	}

	#line(text: string): void {
		this.#options.stream.write(`${text}\n`);
	}

	#clearBars(): void {
		if (this.mode !== "bars" || this.#drawn === 0) return;
		this.#options.stream.write(`\x1b[${this.#drawn}A\r\x1b[J`);
		this.#drawn = 0;
	}

	#redraw(force: boolean): void {
		if (this.mode !== "bars" || this.#ended) return;
		const now = this.#options.now();
		if (!force && now - this.#lastDraw < this.#options.redrawMs) return;
		this.#lastDraw = now;
		const { columns = 100, rows = 24 } = this.#options.stream;
		const lines = liveRegion(this.tracker, { columns, rows });
		// Back to the region's first line, erase to the end of the screen, draw: a region
		// that shrank leaves nothing behind, and one that fits the screen never scrolls copies.
		const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : "";
		this.#options.stream.write(`${up}\r\x1b[J${lines.join("\n")}\n`);
		this.#drawn = lines.length;
	}
}

function workers(count: number | undefined): string {
	return count === undefined ? "" : ` (${count} worker${count === 1 ? "" : "s"})`;
}

function progressLine(stage: StageProgress, tracker: ProgressTracker): string {
	const eta = tracker.etaS(stage);
	return `${progressCounts(stage)}, ${rateText(stage, tracker)}${eta === undefined ? "" : `, ETA ${formatDuration(eta)}`}`;
}

function stageDone(stage: StageProgress): string {
	const seconds = ((stage.endedAtMs ?? 0) - (stage.startedAtMs ?? 0)) / 1000;
	return `${stage.stage}: done, tasks ${formatCount(stage.tasksIn)} -> ${formatCount(stage.tasksOut)}, items ${formatCount(stage.itemsIn)} -> ${formatCount(stage.itemsOut)} in ${formatSeconds(seconds)} s`;
}
