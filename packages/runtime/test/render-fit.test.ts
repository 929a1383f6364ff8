import { emptyPerfStats, type RunEvent, RunSummaryBuilder } from "@curator/core";
import { describe, expect, it } from "vitest";
import { finalLine, liveRegion } from "../src/render/bars.ts";
import { formatDuration, wrapText } from "../src/render/format.ts";
import { formatLogRecord } from "../src/render/log-line.ts";
import { ProgressTracker } from "../src/render/progress.ts";
import { formatSummaryTable, runReport } from "../src/render/summary.ts";

const names = Array.from({ length: 11 }, (_, i) => `VeryDescriptiveStageName${i}`);

function batch(stage: string, tasksIn: number, itemsIn: number): RunEvent {
	const perf = { ...emptyPerfStats(stage), processTimeS: 1.5, numItemsProcessed: itemsIn };
	return {
		type: "batch:done",
		stage,
		workerId: `${stage}-0`,
		tasksIn,
		tasksOut: tasksIn,
		itemsIn,
		itemsOut: itemsIn,
		perf: { ...perf, customMetrics: { kept: itemsIn, dropped: 12_345, longMetricName: 0.5 } },
		inputIds: [],
		outputIds: [],
		filteredIds: [],
	};
}

/** A tracker of an 11-stage run at `ms` (a clock the test moves). */
function tracker(clock: { ms: number }): ProgressTracker {
	const t = new ProgressTracker(() => clock.ms);
	t.add({ type: "run:start", backend: "data", stages: names, tasks: 1 });
	return t;
}

describe("the live region of the bars", () => {
	it("keeps below the screen's height and width with 11 stages running at once", () => {
		const clock = { ms: 0 };
		const t = tracker(clock);
		names.forEach((stage, index) => {
			t.add({ type: "stage:start", stage, index, workers: 2 });
		});
		clock.ms = 2000;
		for (const stage of names) t.add(batch(stage, 1, 1000));
		const lines = liveRegion(t, { columns: 80, rows: 8 });
		expect(lines.length).toBe(7);
		for (const line of lines) expect(line.length).toBeLessThan(80);
		expect(lines[0]).toBe("run on data: 0 of 11 stages done, 11 running (2s)");
		expect(lines.at(-1)).toMatch(/^\+6 running: VeryDescriptiveStageName5, /);
	});

	it("collapses finished stages into the head line and gives each bar its rate and ETA", () => {
		const clock = { ms: 0 };
		const t = tracker(clock);
		names.slice(0, 3).forEach((stage, index) => {
			t.add({ type: "stage:start", stage, index });
			t.add(batch(stage, 1, 10));
			t.add({ type: "stage:end", stage, index });
		});
		const third = names[3] as string;
		t.add({ type: "stage:start", stage: third, index: 3 });
		clock.ms = 4000;
		t.add(batch(third, 1, 2000));
		const lines = liveRegion(t, { columns: 160, rows: 45 });
		expect(lines).toEqual([
			"run on data: 3 of 11 stages done, 1 running (4s)",
			expect.stringMatching(
				/^VeryDescriptiveStageNam… \[#{30}\] 1\/1 tasks, 2,000 items 500\/s {2}ETA 0s$/,
			),
			expect.stringMatching(/^waiting: VeryDescriptiveStageName4, .*…$/),
		]);
		expect(lines[2]).toHaveLength(159);
		for (const name of names.slice(0, 3)) expect(lines.join("\n")).not.toContain(name);
	});

	it("shows the tasks still expected through the ETA, and `-` while unknown", () => {
		const clock = { ms: 0 };
		const t = tracker(clock);
		const [first = "", second = ""] = names;
		t.add({ type: "stage:start", stage: first, index: 0 });
		t.add({ ...batch(first, 1, 0), tasksOut: 40 } as RunEvent);
		t.add({ type: "stage:end", stage: first, index: 0 });
		t.add({ type: "stage:start", stage: second, index: 1 });
		clock.ms = 10_000;
		t.add(batch(second, 10, 100));
		expect(liveRegion(t, { columns: 120, rows: 24 })[1]).toMatch(/10\/40 tasks.* ETA 30s$/);
		t.add({ type: "stage:start", stage: names[2] as string, index: 2 });
		expect(liveRegion(t, { columns: 120, rows: 24 })[2]).toMatch(/\[~+\] 0 tasks.* ETA -$/);
		expect(formatDuration(125)).toBe("2:05");
	});

	it("shrinks to its head line on a screen too small for more", () => {
		const t = tracker({ ms: 0 });
		expect(liveRegion(t, { columns: 30, rows: 2 })).toEqual(["run on data: 0 of 11 stages …"]);
	});

	it("ends with one final line saying how the run ended", () => {
		const clock = { ms: 0 };
		const t = tracker(clock);
		clock.ms = 1500;
		expect(finalLine(t)).toBe("data: stopped after 1.50 s, 0 of 11 stages done");
		t.add({ type: "run:end", ok: false, error: "boom" });
		expect(finalLine(t)).toBe("data: failed after 1.50 s, 0 of 11 stages done");
	});
});

describe("the summary on a narrow terminal", () => {
	function stoppedReport() {
		const builder = new RunSummaryBuilder();
		builder.add({ type: "run:start", backend: "actor-pool", stages: names, tasks: 1 });
		names.forEach((stage, index) => {
			builder.add({ type: "stage:start", stage, index, workers: 2 });
		});
		builder.add({ ...batch(names[0] as string, 1, 0), tasksOut: 200 } as RunEvent);
		builder.add(batch(names[1] as string, 35, 35_000));
		builder.add({ type: "run:end", ok: false, error: "run aborted: SIGINT" });
		return runReport("demo", builder.build());
	}

	it("drops columns and wraps lines so that nothing reaches the width", () => {
		const report = stoppedReport();
		const wide = formatSummaryTable(report);
		expect(Math.max(...wide.split("\n").map((l) => l.length))).toBeGreaterThan(120);
		for (const width of [80, 100, 160]) {
			const text = formatSummaryTable(report, { width });
			for (const line of text.split("\n")) expect(line.length).toBeLessThan(width);
			expect(text).toMatch(/items in\s+items out/);
			expect(text).toContain("tasks not settled when the run stopped:");
		}
		expect(formatSummaryTable(report, { width: 80 })).not.toContain("metrics");
	});

	it("says how many documents the run wrote, and where, when it knows", () => {
		const report = stoppedReport();
		report.ok = true;
		report.output = { folder: "./curator-out", rows: 2351, files: 4 };
		expect(formatSummaryTable(report).split("\n")[0]).toMatch(
			/^pipeline "demo" on actor-pool: done in [\d.]+ s, 2,351 documents written to \.\/curator-out \(4 files\)$/,
		);
	});

	it("wraps at spaces, indenting what follows", () => {
		expect(wrapText("aaa bbb ccc ddd", 8)).toEqual(["aaa bbb", "  ccc", "  ddd"]);
	});
});

describe("readable log lines", () => {
	it("show level, stage and worker, message and plain fields, never structured ones", () => {
		expect(
			formatLogRecord({
				level: "info",
				message: "JsonlWriter committed out",
				stage: "JsonlWriter",
				fields: { time: 1, files: 4, rows: 2351, plan: { big: true } },
			}),
		).toBe("info [JsonlWriter] JsonlWriter committed out files=4 rows=2351");
	});
});
