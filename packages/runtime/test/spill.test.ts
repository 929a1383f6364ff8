import { spawn } from "node:child_process";
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
	chooseSpillBase,
	releaseParts,
	SpillDir,
	SpillError,
	spillBase,
	spillDefaults,
	sweepSpillFolders,
} from "../src/spill/index.ts";

let base = "";
beforeEach(async () => {
	base = await mkdtemp(join(tmpdir(), "curator-spill-test-"));
});
afterEach(async () => {
	vi.unstubAllEnvs();
	await rm(base, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
	const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
	await new Promise((resolve) => child.once("exit", resolve));
	return child.pid as number;
}

const procHere = existsSync("/proc/self/stat");
/** Start time (field 22 of /proc/<pid>/stat) of a live process. */
function startOf(pid: number): string {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] as string;
}
const namespace = procHere
	? (/\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1] ?? "0")
	: "0";
const tag = "0123456789ab";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe("chooseSpillBase (the rule)", () => {
	const measured = { availableMemoryBytes: 20 * GiB, fallback: "/tmp" };

	it("takes CURATOR_SPILL_DIR whatever /dev/shm offers", () => {
		expect(
			chooseSpillBase({ ...measured, explicit: "/data/spill", shmFreeBytes: 24 * GiB }),
		).toEqual({ path: "/data/spill", source: "env" });
	});

	it("takes /dev/shm when it offers at least 1 GiB", () => {
		expect(chooseSpillBase({ ...measured, shmFreeBytes: 24 * GiB })).toEqual({
			path: "/dev/shm",
			source: "shm",
		});
		expect(chooseSpillBase({ ...measured, shmFreeBytes: GiB })).toEqual({
			path: spillDefaults.shm,
			source: "shm",
		});
	});

	it("falls back to the temporary folder on Docker's 64 MB /dev/shm", () => {
		expect(chooseSpillBase({ ...measured, shmFreeBytes: 64 * MiB })).toEqual({
			path: "/tmp",
			source: "tmpdir",
		});
		expect(chooseSpillBase({ ...measured, shmFreeBytes: GiB - 1 }).source).toBe("tmpdir");
	});

	it("counts on at most half the available memory, whatever /dev/shm's size says", () => {
		const room = { ...measured, shmFreeBytes: 24 * GiB };
		expect(chooseSpillBase({ ...room, availableMemoryBytes: 1.5 * GiB }).source).toBe("tmpdir");
		expect(chooseSpillBase({ ...room, availableMemoryBytes: 2 * GiB }).source).toBe("shm");
	});

	it("falls back when /dev/shm is absent or not writable, or CURATOR_SPILL_DIR is empty", () => {
		expect(chooseSpillBase({ ...measured }).source).toBe("tmpdir");
		expect(chooseSpillBase({ ...measured, explicit: "", shmFreeBytes: 0 }).source).toBe("tmpdir");
	});
});

describe("spillBase", () => {
	it("uses CURATOR_SPILL_DIR, made absolute", () => {
		expect(spillBase({ CURATOR_SPILL_DIR: base })).toEqual({ path: base, source: "env" });
		expect(spillBase({ CURATOR_SPILL_DIR: "rel/spill" }).path).toBe(resolve("rel/spill"));
	});

	it("else chooses between /dev/shm and the temporary folder", () => {
		const { path, source } = spillBase({});
		expect([
			["/dev/shm", "shm"],
			[tmpdir(), "tmpdir"],
		]).toContainEqual([path, source]);
	});
});

describe("SpillDir", () => {
	it("makes a private folder per run, named after its owner, and removes it with everything in it", async () => {
		const spill = SpillDir.create(base);
		const name = spill.path.slice(base.length + 1);
		expect(name).toMatch(new RegExp(`^curator-spill-${process.pid}-\\d+-\\d+-[0-9a-f]{12}$`));
		await writeFile(join(spill.path, "a.task"), "x");
		await releaseParts([join(spill.path, "a.task")]);
		expect(existsSync(join(spill.path, "a.task"))).toBe(false);
		await releaseParts([join(spill.path, "never-there.task")]);
		await writeFile(join(spill.path, "b.task"), "x");
		await spill.remove();
		expect(existsSync(spill.path)).toBe(false);
	});

	it("goes under CURATOR_SPILL_DIR, first sweeping the folders of dead runs there", async () => {
		vi.stubEnv("CURATOR_SPILL_DIR", base);
		const stale = join(base, `curator-spill-${await deadPid()}-1-${namespace}-${tag}`);
		await mkdir(stale);
		const spill = SpillDir.create();
		expect(spill.source).toBe("env");
		expect(await readdir(base)).toEqual([spill.path.slice(base.length + 1)]);
		await spill.remove();
	});

	it("fails early, naming the folder and CURATOR_SPILL_DIR, when CURATOR_SPILL_DIR is unusable", async () => {
		expect.assertions(4);
		const file = join(base, "a-file");
		await writeFile(file, "x");
		vi.stubEnv("CURATOR_SPILL_DIR", join(file, "spill"));
		try {
			SpillDir.create();
		} catch (error) {
			expect(error).toBeInstanceOf(SpillError);
			expect((error as SpillError).code).toBe("CURATOR_SPILL_FAILED");
			expect((error as SpillError).folder).toBe(join(file, "spill"));
			expect((error as Error).message).toMatch(
				new RegExp(
					`^spill folder ${join(file, "spill")}: cannot create the run's folder there \\(chosen by CURATOR_SPILL_DIR\\): ENOTDIR.*; set CURATOR_SPILL_DIR to`,
				),
			);
		}
	});
});

describe("sweeping spill folders of dead runs", () => {
	it.skipIf(!procHere)(
		`removes those of dead or reused pids, keeps live ones and anything else${procHere ? "" : " (skipped: no /proc here)"}`,
		async () => {
			const parent = process.ppid;
			const names = {
				live: `curator-spill-${parent}-${startOf(parent)}-${namespace}-${tag}`,
				dead: `curator-spill-${await deadPid()}-${startOf(parent)}-${namespace}-${tag}`,
				// The parent's pid, but another process's start time: the pid was reused.
				reused: `curator-spill-${parent}-${Number(startOf(parent)) + 1}-${namespace}-${tag}`,
				// Another pid namespace (another container sharing /dev/shm): not ours to judge.
				foreign: `curator-spill-${await deadPid()}-1-${Number(namespace) + 1}-${tag}`,
				unrelated: "something-else",
				testFolder: "curator-spill-test-abc123",
				noTag: "curator-spill-123456",
			};
			for (const name of Object.values(names)) await mkdir(join(base, name));
			await writeFile(join(base, names.dead, "a.task"), "x");
			const removed = sweepSpillFolders(base);
			expect(removed.sort()).toEqual([join(base, names.dead), join(base, names.reused)].sort());
			const { live, foreign, unrelated, testFolder, noTag } = names;
			expect((await readdir(base)).sort()).toEqual(
				[live, foreign, unrelated, testFolder, noTag].sort(),
			);
		},
	);
});
