import { formatCount, formatDuration, formatRate, formatSeconds, truncate } from "./format.ts";
import type { ProgressTracker, StageProgress } from "./progress.ts";

/** The size of the screen the live region is laid out for. */
export interface ScreenSize {
	/** Columns; lines are kept strictly narrower, so none wraps. */
	columns: number;
	/** Rows; the region keeps below this, so redrawing never reaches the scrollback. */
	rows: number;
}

const MAX_NAME = 24;
const MAX_BAR = 30;
const MIN_BAR = 6;

/**
 * The live region of the bars mode, at most `rows - 1` lines of fewer than
 * `columns` characters: a head line (finished stages collapsed into a
 * count, the elapsed time), a bar per running stage with its rate and ETA,
 * and the waiting stages on one line. Running stages that do not fit are
 * counted on one line instead. Sized so that moving the cursor back over
 * it never leaves the screen: a redraw leaves no copy in the scrollback.
 */
export function liveRegion(tracker: ProgressTracker, size: ScreenSize): string[] {
	const width = Math.max(10, size.columns - 1);
	const budget = Math.max(1, size.rows - 1);
	const running = tracker.stages.filter((s) => s.state === "running");
	const waiting = tracker.stages.filter((s) => s.state === "waiting");
	const lines = [headLine(tracker, running.length, waiting.length)];
	const waitingLine = waiting.length === 0 ? [] : [listLine("waiting", waiting)];
	let room = budget - 1 - waitingLine.length;
	if (room < 0) return lines.map((l) => truncate(l, width));
	const shown = running.length <= room ? running : running.slice(0, Math.max(0, room - 1));
	const nameWidth = Math.min(MAX_NAME, Math.max(0, ...shown.map((s) => s.stage.length)));
	// One bar width for every line, so the bars line up.
	const barWidth = Math.min(
		MAX_BAR,
		...shown.map((s) => width - nameWidth - tailOf(s, tracker).length - 3),
	);
	for (const stage of shown) lines.push(barLine(stage, tracker, nameWidth, barWidth));
	room -= shown.length;
	if (shown.length < running.length && room > 0) {
		lines.push(listLine(`+${running.length - shown.length} running`, running.slice(shown.length)));
	}
	lines.push(...waitingLine);
	return lines.map((l) => truncate(l, width));
}

/** The one line a run leaves in place of its live region when it ends. */
export function finalLine(tracker: ProgressTracker): string {
	const total = tracker.stages.length;
	const done = tracker.stages.filter((s) => s.state === "done").length;
	const time = `${formatSeconds(tracker.elapsedS())} s`;
	const who = tracker.backend === "" ? "run" : tracker.backend;
	const end = tracker.runEnd;
	if (end?.ok === true) return `${who}: all ${total} stages done in ${time}`;
	const how = end === undefined ? "stopped" : "failed";
	return `${who}: ${how} after ${time}, ${done} of ${total} stages done`;
}

/**
 * One running stage: name, bar (left out when narrower than a few cells),
 * tasks done (of expected), items and rate, ETA.
 */
export function barLine(
	stage: StageProgress,
	tracker: ProgressTracker,
	nameWidth: number,
	barWidth: number,
): string {
	const name = truncate(stage.stage, nameWidth).padEnd(nameWidth);
	const bar = barWidth < MIN_BAR ? "" : ` [${barCells(stage, barWidth)}]`;
	return `${name}${bar}${tailOf(stage, tracker)}`;
}

function tailOf(stage: StageProgress, tracker: ProgressTracker): string {
	const eta = tracker.etaS(stage);
	return ` ${progressCounts(stage)} ${rateText(stage, tracker)}  ETA ${eta === undefined ? "-" : formatDuration(eta)}`;
}

/** Tasks done, of those expected when known, and items. */
export function progressCounts(stage: StageProgress): string {
	const expected = stage.expectedTasks === undefined ? "" : `/${formatCount(stage.expectedTasks)}`;
	return `${formatCount(stage.tasksIn)}${expected} tasks, ${formatCount(stage.itemsIn)} items`;
}

/** Items per second, or tasks per second for a stage that gets no items (a source). */
export function rateText(stage: StageProgress, tracker: ProgressTracker): string {
	return stage.itemsIn > 0
		? `${formatRate(tracker.rate(stage))}`
		: `${formatRate(tracker.taskRate(stage)).replace("/s", " tasks/s")}`;
}

function barCells(stage: StageProgress, width: number): string {
	const expected = stage.expectedTasks;
	if (expected === undefined) return "~".repeat(width);
	const fraction = expected > 0 ? Math.min(1, stage.tasksIn / expected) : 0;
	const filled = Math.round(fraction * width);
	return `${"#".repeat(filled)}${".".repeat(width - filled)}`;
}

function headLine(tracker: ProgressTracker, running: number, waiting: number): string {
	const total = tracker.stages.length;
	const done = total - running - waiting;
	const on = tracker.backend === "" ? "" : ` on ${tracker.backend}`;
	return `run${on}: ${done} of ${total} stages done, ${running} running (${formatDuration(tracker.elapsedS())})`;
}

function listLine(label: string, stages: readonly StageProgress[]): string {
	return `${label}: ${stages.map((s) => s.stage).join(", ")}`;
}
