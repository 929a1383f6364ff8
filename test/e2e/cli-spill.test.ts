import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { cliFixtures, reapAll, runCurator } from "./cli-helpers.ts";
import { repoRoot, run } from "./helpers.ts";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), "curator-e2e-spill-"));
	dirs.push(dir);
	return dir;
}
afterEach(reapAll);
afterAll(async () => {
	for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/**
 * Runs a command line in a mount namespace of its own, with a 1 MiB tmpfs
 * mounted on `dir` (already full with `full`).
 */
const onTinyTmpfs = (dir: string, full = false): string[] => [
	"unshare",
	"--mount",
	"--propagation",
	"private",
	"sh",
	"-c",
	`mount -t tmpfs -o size=1m tmpfs "$0" && ${full ? 'head -c 2000000 /dev/zero > "$0/fill" 2>/dev/null; ' : ""}exec "$@"`,
	dir,
];

/** Why a tiny tmpfs cannot be mounted here (empty when it can): it needs Linux, root and unshare. */
async function mountProblem(): Promise<string> {
	const [command, ...args] = onTinyTmpfs(await tempDir());
	try {
		await run(command as string, [...args, "true"], { cwd: repoRoot });
		return "";
	} catch {
		return "cannot mount a tmpfs in a mount namespace here (needs Linux, root and unshare)";
	}
}
const problem = await mountProblem();
const skipLabel = problem === "" ? "" : ` (skipped: ${problem})`;

const pipeline = join(cliFixtures, "big-tasks-pipeline.ts");

// The two backends that pass large outputs between worker processes through the spill folder.
describe.each(["actor-pool", "data"])(
	"curator run --backend %s and its spill folder",
	(backend) => {
		const args = ["run", pipeline, "--backend", backend, "--workers", "2", "--progress", "none"];

		it.skipIf(problem !== "")(
			`a full spill folder (1 MiB tmpfs as CURATOR_SPILL_DIR) fails the run, naming the folder and CURATOR_SPILL_DIR, not a stage${skipLabel}`,
			async () => {
				const dir = await tempDir();
				const result = await runCurator(args, {
					env: { CURATOR_SPILL_DIR: dir },
					wrap: onTinyTmpfs(dir),
				});
				expect(result.code).toBe(1);
				expect(result.stderr).toMatch(
					new RegExp(
						`curator: run failed: spill folder ${dir}/curator-spill-[^:]+: cannot write \\d+ bytes: ENOSPC[^\\n]*; set CURATOR_SPILL_DIR to a folder with room`,
					),
				);
				expect(result.stderr).not.toMatch(/stage "[^"]*" failed/);
				expect(result.leftovers).toEqual([]);
			},
		);

		it.skipIf(problem !== "")(
			`a CURATOR_SPILL_DIR with no free space fails the run at its start, naming it${skipLabel}`,
			async () => {
				const dir = await tempDir();
				const result = await runCurator(args, {
					env: { CURATOR_SPILL_DIR: dir },
					wrap: onTinyTmpfs(dir, true),
				});
				expect(result.code).toBe(1);
				expect(result.stderr).toContain(
					`curator: run failed: spill folder ${dir}: no room (chosen by CURATOR_SPILL_DIR): no free space left; set CURATOR_SPILL_DIR`,
				);
				expect(result.stdout).toMatch(/^BigSource +0 /m);
				expect(result.leftovers).toEqual([]);
			},
		);

		it("an unusable CURATOR_SPILL_DIR fails the run at its start, naming it", async () => {
			const file = join(await tempDir(), "a-file");
			await writeFile(file, "x");
			const result = await runCurator(args, { env: { CURATOR_SPILL_DIR: join(file, "spill") } });
			expect(result.code).toBe(1);
			expect(result.stderr).toContain(
				`curator: run failed: spill folder ${join(file, "spill")}: cannot create the run's folder there (chosen by CURATOR_SPILL_DIR): ENOTDIR`,
			);
			expect(result.stdout).toMatch(/^BigSource +0 /m);
			expect(result.leftovers).toEqual([]);
		});

		it("passes about 4 MB through a roomy CURATOR_SPILL_DIR and leaves it empty", async () => {
			const dir = await tempDir();
			const result = await runCurator(args, { env: { CURATOR_SPILL_DIR: dir } });
			expect(result.stderr).toBe("");
			expect(result.code).toBe(0);
			expect(result.stdout).toMatch(/^PassStage +16 +16 /m);
			expect(await readdir(dir)).toEqual([]);
		});
	},
);
