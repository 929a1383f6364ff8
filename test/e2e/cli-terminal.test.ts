import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cliFixtures, runCurator } from "./cli-helpers.ts";
import { runInPty, type Screen } from "./pty.ts";

const dirs: string[] = [];

async function tempDir(): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), "curator-term-"));
	dirs.push(dir);
	return dir;
}

afterEach(async () => {
	for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A progress bar, or the head line of the live region. */
const liveLine = /\[[#.~]{6,}\]|^run on \w[\w-]*: \d+ of \d+ stages done/;

/** What every run drawn on a terminal must look like at its end. */
function expectTidy(screen: Screen, columns: number): void {
	expect(screen.wrapped, "lines the terminal had to wrap").toBe(0);
	for (const line of screen.lines) expect(line.length).toBeLessThanOrEqual(columns);
	// The live region is redrawn in place and replaced by the final line: not one copy is left.
	expect(screen.lines.filter((line) => liveLine.test(line))).toEqual([]);
}

describe("curator run on a terminal", () => {
	for (const { backend, columns, rows } of [
		{ backend: "data", columns: 80, rows: 8 },
		{ backend: "local", columns: 160, rows: 45 },
	]) {
		it(`${backend} on ${columns}x${rows}: bars fit, one final line, a headline of documents written`, async () => {
			const cwd = await tempDir();
			const screen = await runInPty(["run", "demo", "--backend", backend], {
				columns,
				rows,
				cwd,
			});
			expect(screen.code).toBe(0);
			expectTidy(screen, columns);
			const finals = screen.lines.filter((l) => /^\w[\w-]*: all 11 stages done in /.test(l));
			expect(finals, "one final line for the run").toEqual([
				expect.stringMatching(new RegExp(`^${backend}: all 11 stages done in [\\d.]+ s$`)),
			]);
			const text = screen.lines.join("\n").replace(/\n {2}/g, " ");
			expect(text).toMatch(
				/pipeline "demo" on \w+: done in [\d.]+ s, 2,351 documents written to \.\/curator-out \(4 files\)/,
			);
			expect(text).not.toMatch(/\d items out/);
			expect(text).toMatch(/\nExactDuplicateFilter +4 +4 +2,610 +2,351 /);
		});
	}

	it("bars show a rate and an ETA while the run goes on", async () => {
		const cwd = await tempDir();
		let seen = "";
		await runInPty(["run", join(cliFixtures, "slow-pipeline.ts")], {
			columns: 100,
			rows: 10,
			cwd,
			interruptWhen: (output) => {
				seen = output;
				return /SlowStage .*\b[1-9]\d*\/200 tasks/.test(output);
			},
		});
		expect(seen).toMatch(
			/SlowStage +\[#*\.+\] [1-9]\d*\/200 tasks, \d+ items [\d.]+\/s {2}ETA \d+s/,
		);
	});

	for (const backend of ["actor-pool", "data"]) {
		it(`${backend}: Ctrl-C on 80x8 prints no false retry or crash and nothing wider than the terminal`, async () => {
			const cwd = await tempDir();
			const screen = await runInPty(
				["run", join(cliFixtures, "slow-pipeline.ts"), "--backend", backend, "--workers", "2"],
				{
					columns: 80,
					rows: 8,
					cwd,
					// Pressed once SlowStage has finished some tasks: no timer decides.
					interruptWhen: (output) => /SlowStage .*\b[1-9]\d*\/200 tasks/.test(output),
				},
			);
			expect(screen.code).toBe(130);
			expectTidy(screen, 80);
			const text = screen.lines.join("\n");
			expect(text).not.toMatch(/retrying|SIGKILL|exited unexpectedly|failed:.*tasks \[/);
			expect(text).toContain("interrupted: stopping the run and its workers");
			expect(text).toMatch(
				new RegExp(`^${backend}: failed after [\\d.]+ s, 1 of 2 stages done$`, "m"),
			);
			expect(text).toMatch(/tasks not settled when the run stopped:/);
		});
	}
});

describe("curator run --log-level info prints each record once", () => {
	const plan = "data: 4 operator(s) on";

	it("as a JSON line when stderr is piped", async () => {
		const cwd = await tempDir();
		const result = await runCurator(["run", "demo", "--backend", "data", "--log-level", "info"], {
			cwd,
		});
		expect(result.code).toBe(0);
		// Progress lines go on beside the records; each record is there once, as JSON.
		const lines = result.stderr.trim().split("\n");
		for (const what of [plan, "JsonlWriter committed"]) {
			const found = lines.filter((line) => line.includes(what));
			expect(found, what).toHaveLength(1);
			expect(JSON.parse(found[0] as string).msg).toContain(what);
		}
	});

	it("as a readable line on a terminal", async () => {
		const cwd = await tempDir();
		const screen = await runInPty(["run", "demo", "--backend", "data", "--log-level", "info"], {
			columns: 160,
			rows: 45,
			cwd,
		});
		expect(screen.code).toBe(0);
		expect(screen.lines.filter((l) => l.includes(plan))).toEqual([
			`info ${plan} 2 pool(s), at most 2 worker(s)`,
		]);
		expect(screen.lines.filter((l) => l.startsWith("{"))).toEqual([]);
		expect(screen.lines.filter((l) => l.includes("JsonlWriter committed"))).toHaveLength(1);
		expect(screen.lines.join("\n")).not.toMatch(/\d{12,}/);
	});
});
