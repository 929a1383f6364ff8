import { emptyPerfStats, type RunEvent, RunSummaryBuilder } from "@curator/core";
import { describe, expect, it } from "vitest";
import { formatCount, formatRate, formatSeconds, formatTable } from "./format.ts";
import { RunRenderer } from "./renderer.ts";
import { formatSummaryTable, runReport } from "./summary.ts";

function batch(stage: string, tasksIn: number, itemsIn: number, itemsOut: number): RunEvent {
	const perf = {
		...emptyPerfStats(stage),
		processTimeS: 0.5,
		idleTimeS: 0.25,
		numItemsProcessed: itemsIn,
		numTasksProcessed: tasksIn,
		customMetrics: { dropped: itemsIn - itemsOut },
	};
	return {
		type: "batch:done",
		stage,
		workerId: `${stage}-0`,
		tasksIn,
		tasksOut: tasksIn,
		itemsIn,
		itemsOut,
		perf,
		inputIds: [],
		outputIds: [],
		filteredIds: [],
	};
}

/** A two-stage run: Read (1 task -> 2), Filter (2 tasks, 100 -> 60 items). */
const events: RunEvent[] = [
	{ type: "run:start", backend: "local", stages: ["Read", "Filter"], tasks: 1 },
	{ type: "stage:start", stage: "Read", index: 0, workers: 1 },
	{ ...batch("Read", 1, 0, 100), tasksOut: 2 } as RunEvent,
	{ type: "stage:end", stage: "Read", index: 0 },
	{ type: "stage:start", stage: "Filter", index: 1, workers: 2 },
	batch("Filter", 1, 50, 30),
	batch("Filter", 1, 50, 30),
	{ type: "stage:end", stage: "Filter", index: 1 },
	{ type: "run:end", ok: true },
];

function capture(isTTY = false): { write(text: string): void; isTTY: boolean; text: string } {
	return {
		isTTY,
		text: "",
		write(text: string) {
			this.text += text;
		},
	};
}

describe("formatting", () => {
	it("lays out aligned tables and numbers", () => {
		expect(
			formatTable(
				["a", "n"],
				[
					["xyz", "1"],
					["b", "100"],
				],
				["left", "right"],
			),
		).toBe("a      n\n---  ---\nxyz    1\nb    100");
		expect(formatCount(1234567)).toBe("1,234,567");
		expect(formatSeconds(0.001234)).toBe("0.0012");
		expect(formatSeconds(73.45)).toBe("73.5");
		expect(formatRate(12_345)).toBe("12.3k/s");
		expect(formatRate(0)).toBe("0/s");
	});
});

describe("run report and summary table", () => {
	it("flattens the summary into per-stage figures", () => {
		const builder = new RunSummaryBuilder();
		for (const event of events) builder.add(event);
		const report = runReport("demo", builder.build());
		expect(report).toMatchObject({ pipeline: "demo", backend: "local", ok: true, outputItems: 60 });
		expect(report.stages[1]).toEqual({
			stage: "Filter",
			batches: 2,
			tasksIn: 2,
			tasksOut: 2,
			filteredTasks: 0,
			itemsIn: 100,
			itemsOut: 60,
			workers: 1,
			retries: 0,
			failedTasks: 0,
			processTimeS: 1,
			meanProcessTimeS: 0.5,
			perItemTimeS: 0.01,
			idleTimeS: 0.5,
			customMetrics: { dropped: 40 },
		});
		const table = formatSummaryTable(report);
		expect(table.split("\n")[0]).toMatch(
			/^pipeline "demo" on local: done in [\d.]+ s, 60 items out$/,
		);
		expect(table).toContain("mean s/batch");
		expect(table).toMatch(/Filter\s+2\s+2\s+100\s+60\s+1\s+1\.00\s+0\.50\s+0\.50\s+dropped=40/);
		expect(table).not.toContain("filtered");
		expect(report.ledger.balanced).toBe(true);
		expect(table).not.toContain("unaccounted");
	});

	it("tells nothing of unsettled tasks when the run stopped before any batch", () => {
		const builder = new RunSummaryBuilder();
		builder.add(events[0] as RunEvent);
		builder.add({ type: "run:end", ok: false, error: "refused before any stage ran" });
		const report = runReport("demo", builder.build());
		expect(report.ledger.balanced).toBe(false);
		expect(formatSummaryTable(report)).not.toContain("not settled");
	});

	it("shows the filtered and failed columns when a stage filtered or failed tasks", () => {
		const builder = new RunSummaryBuilder();
		for (const event of events.slice(0, 6)) builder.add(event);
		builder.add({ ...batch("Filter", 1, 50, 0), tasksOut: 0, filteredIds: ["x"] } as RunEvent);
		builder.add({ type: "run:end", ok: true });
		const table = formatSummaryTable(runReport("demo", builder.build()));
		expect(table).toMatch(/tasks out\s+filtered\s+failed\s+items in/);
		expect(table).toMatch(/Filter\s+2\s+1\s+1\s+0\s+100\s+30\s/);
	});

	it("lists the tasks not settled when a run stopped, stage by stage", () => {
		const builder = new RunSummaryBuilder();
		for (const event of events.slice(0, 6)) builder.add(event);
		builder.add({ type: "run:end", ok: false, error: "killed" });
		const table = formatSummaryTable(runReport("demo", builder.build()));
		expect(table).toContain("tasks not settled when the run stopped:");
		expect(table).toContain(
			'  stage "Filter": 2 task(s) handed, 1 passed + 0 filtered + 0 failed: 1 unsettled',
		);
	});
});

describe("RunRenderer", () => {
	it("prints stage lines and at most one progress line per interval without a TTY", () => {
		let now = 0;
		const out = capture(false);
		const renderer = new RunRenderer({
			stream: out,
			now: () => now,
			timer: false,
			intervalMs: 1000,
		});
		expect(renderer.mode).toBe("lines");
		for (const event of events.slice(0, 5)) renderer.onEvent(event);
		now = 500;
		renderer.onEvent(events[5] as RunEvent);
		now = 1500;
		renderer.onEvent(events[6] as RunEvent);
		now = 1600;
		renderer.tick();
		for (const event of events.slice(7)) renderer.onEvent(event);
		renderer.stop();
		expect(out.text.split("\n").filter(Boolean)).toEqual([
			"Read: started (1 worker)",
			"Read: done, tasks 1 -> 2, items 0 -> 100 in 0 s",
			"Filter: started (2 workers)",
			"Filter: 2/2 tasks, 100 items, 67/s, ETA 0s",
			"Filter: done, tasks 2 -> 2, items 100 -> 60 in 1.60 s",
			"local: all 2 stages done in 1.60 s",
		]);
	});

	it("redraws its live region in place on a TTY and leaves one final line for the run", () => {
		const out = { ...capture(true), columns: 80, rows: 8 };
		const renderer = new RunRenderer({ stream: out, now: () => 0, timer: false });
		expect(renderer.mode).toBe("bars");
		for (const event of events) renderer.onEvent(event);
		renderer.stop();
		const esc = String.fromCharCode(27);
		// Every redraw goes back over the lines drawn before and erases them.
		expect(out.text).toContain(`${esc}[2A\r${esc}[J`);
		const frames = out.text.split(`\r${esc}[J`);
		expect(frames.at(-1)).toBe("local: all 2 stages done in 0 s\n");
		expect(frames.length).toBeGreaterThan(2);
	});

	it("shows log events at or above its level, and failures, retries and crashes", () => {
		const out = capture(false);
		const renderer = new RunRenderer({ stream: out, timer: false, level: "warn" });
		renderer.onEvent({ type: "log", level: "info", message: "hidden" });
		renderer.onEvent({ type: "log", level: "error", message: "boom", stage: "S", workerId: "w1" });
		renderer.onEvent({ type: "retry", stage: "S", taskIds: ["a"], attempt: 2, reason: "crash" });
		renderer.onEvent({
			type: "task:failed",
			failure: { stage: "S", taskIds: ["a"], error: "bad", attempts: 2 },
		});
		renderer.onEvent({
			type: "worker:exit",
			stage: "S",
			workerId: "w1",
			expected: false,
			signal: "SIGKILL",
		});
		renderer.onEvent({ type: "worker:exit", stage: "S", workerId: "w2", expected: true });
		expect(out.text).toBe(
			[
				"error [S/w1] boom",
				"warn [S] retrying tasks [a] (attempt 2): crash",
				"warn [S] tasks [a] failed: bad",
				"warn [S] worker w1 exited unexpectedly (SIGKILL)",
				"",
			].join("\n"),
		);
	});

	it("prints nothing in silent mode", () => {
		const out = capture(true);
		const renderer = new RunRenderer({ stream: out, mode: "silent", timer: false });
		for (const event of events) renderer.onEvent(event);
		renderer.message("x");
		renderer.stop();
		expect(out.text).toBe("");
		expect(renderer.tracker.stages.map((s) => s.state)).toEqual(["done", "done"]);
	});
});
