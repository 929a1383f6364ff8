import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SpillDir, spillBase } from "../src/index.ts";
import { releaseSpilled } from "../src/spill.ts";

let base = "";
beforeEach(async () => {
	base = await mkdtemp(join(tmpdir(), "curator-spill-test-"));
});
afterEach(async () => {
	await rm(base, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
	const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
	await new Promise((resolve) => child.once("exit", resolve));
	return child.pid as number;
}

describe("SpillDir", () => {
	it("makes a private folder per run and removes it with everything in it", async () => {
		const spill = SpillDir.create(base);
		expect(spill.path.startsWith(join(base, `curator-spill-${process.pid}-`))).toBe(true);
		await writeFile(join(spill.path, "a.task"), "x");
		await releaseSpilled(join(spill.path, "a.task"));
		expect(existsSync(join(spill.path, "a.task"))).toBe(false);
		await releaseSpilled(join(spill.path, "never-there.task"));
		await writeFile(join(spill.path, "b.task"), "x");
		await spill.remove();
		expect(existsSync(spill.path)).toBe(false);
	});

	it("removes folders left by processes that are gone, and keeps those of live ones", async () => {
		const stale = join(base, `curator-spill-${await deadPid()}-abc`);
		const live = join(base, `curator-spill-${process.ppid}-def`);
		const unrelated = join(base, "something-else");
		for (const dir of [stale, live, unrelated]) await mkdir(dir);
		const spill = SpillDir.create(base);
		expect((await readdir(base)).sort()).toEqual(
			[live, unrelated, spill.path].map((p) => p.slice(base.length + 1)).sort(),
		);
		await spill.remove();
	});

	it("goes where CURATOR_SPILL_DIR says, else to shared memory when there is some", () => {
		expect(spillBase({ CURATOR_SPILL_DIR: base })).toBe(base);
		const fallback = spillBase({});
		expect(fallback === "/dev/shm" || fallback === tmpdir()).toBe(true);
	});
});
