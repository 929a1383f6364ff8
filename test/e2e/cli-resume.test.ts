import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { finished, reapAll, runCurator, startCli, stderrContains } from "./cli-helpers.ts";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), "curator-e2e-resume-"));
	dirs.push(dir);
	return dir;
}
afterEach(reapAll);
afterAll(async () => {
	for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** An output folder's rows, sorted, and its manifest without run ids and commit times. */
async function published(folder: string): Promise<{ rows: string[]; manifest: unknown }> {
	const names = (await readdir(folder)).filter((name) => name.endsWith(".jsonl"));
	const texts = await Promise.all(names.map((name) => readFile(join(folder, name), "utf8")));
	const rows = texts.flatMap((text) => text.split("\n").filter((line) => line.length > 0)).sort();
	const {
		runId: _,
		files,
		runs,
		...manifest
	} = JSON.parse(await readFile(join(folder, "_SUCCESS"), "utf8")) as {
		runId: string;
		files: { runId: string }[];
		runs: { runId: string; committedAt: string }[];
	};
	return {
		rows,
		manifest: {
			...manifest,
			files: files.map(({ runId: _run, ...file }) => file),
			runs: runs.map(({ runId: _run, committedAt: _at, ...run }) => run),
		},
	};
}

async function runIdOf(file: string): Promise<string> {
	return (JSON.parse(await readFile(file, "utf8")) as { runId: string }).runId;
}

// The demo ends in an exact-dedup barrier, so a resumed run does every partition again; what is
// checked here is the command a user types after a crash. (The xenna backend is left out: each run
// starts a Ray driver, and the kit's resume cases already run on the bridge in both modes.)
describe.each(["local", "actor-pool", "data"])("curator run demo --checkpoint on %s", (backend) => {
	const workers = backend === "local" ? [] : ["--workers", "2"];
	const demo = (out: string, ...flags: string[]) => [
		"run",
		"demo",
		"--backend",
		backend,
		"--output",
		out,
		// Every run the same mode (the manifest names it); only --restart over a finished run needs it.
		"--mode",
		"overwrite",
		...workers,
		...flags,
	];

	it("SIGKILLed mid-run, the same command again gives the clean run's sorted rows and _SUCCESS manifest; again, it is refused; --restart runs it over", async () => {
		const dir = await tempDir();
		const clean = await runCurator(demo(join(dir, "clean"), "--progress", "none"));
		expect(clean.stderr).toBe("");
		expect(clean.code).toBe(0);

		const out = join(dir, "out");
		const checkpoint = join(dir, "checkpoint");
		const args = demo(out, "--checkpoint", checkpoint);
		const child = startCli([...args, "--progress", "lines"]);
		const killed = finished(child);
		// Early, so the kill lands mid-run; the outcome checked must hold wherever it lands.
		await stderrContains(child, "JsonlReaderStage: started");
		process.kill(-(child.pid as number), "SIGKILL");
		const crash = await killed;
		expect(crash.leftovers, "processes of the killed run").toEqual([]);
		const expected = await published(join(dir, "clean"));
		if (crash.code === 0) {
			// The run finished before the kill landed (a stalled test process): nothing to resume.
			expect(await published(out)).toEqual(expected);
		} else {
			expect(crash.signal, `the run ended by the kill\n${crash.stderr}`).toBe("SIGKILL");
			const left = await readdir(out).catch(() => []);
			expect(
				left.filter((name) => name !== "_temporary"),
				"published by the killed run",
			).toEqual([]);
			const resumed = await runCurator([...args, "--progress", "none"]);
			expect(resumed.stderr).toBe("");
			expect(resumed.code).toBe(0);
			expect(resumed.leftovers).toEqual([]);
			expect(await published(out)).toEqual(expected);
		}
		const runId = await runIdOf(join(checkpoint, "checkpoint.json"));
		expect(await runIdOf(join(out, "_SUCCESS")), "the killed run's id").toBe(runId);

		const again = await runCurator([...args, "--progress", "none"]);
		expect(again.code).toBe(1);
		expect(again.stderr).toContain(
			`run ${runId} of this checkpoint finished and committed its output; nothing is left to resume`,
		);
		expect(again.stderr).toContain("--restart");

		const restarted = await runCurator([...args, "--restart", "--progress", "none"]);
		expect(restarted.stderr).toBe("");
		expect(restarted.code).toBe(0);
		expect(await published(out)).toEqual(expected);
		expect(await runIdOf(join(out, "_SUCCESS")), "a new run's id").not.toBe(runId);
	});
});
