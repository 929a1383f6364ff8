import { mkdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Tree } from "@nx/devkit";
import { createTreeWithEmptyWorkspace } from "@nx/devkit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import backendGenerator from "../src/backend/generator.ts";
import { repoRoot, runNode, toolEntry } from "./helpers.ts";

// A plugin generated into a temp workspace inside this package (so the
// repo's node_modules resolve from it), with copies of the two root files
// the skeleton extends; then built, type-checked, linted and put through the
// conformance kit exactly as generated.
const workspace = join(repoRoot, "tools/nx-plugin/.test-output", `run-${process.pid}`);
const plugin = join(workspace, "plugins/backend-smoke");
const minutes = (n: number) => n * 60_000;

async function writeTree(tree: Tree, into: string): Promise<void> {
	for (const change of tree.listChanges()) {
		if (change.type === "DELETE" || change.content === null) continue;
		const target = join(into, change.path);
		await mkdir(dirname(target), { recursive: true });
		await writeFile(target, change.content);
	}
}

beforeAll(async () => {
	const tree = createTreeWithEmptyWorkspace();
	tree.delete(".oxfmtrc.json");
	for (const file of ["package.json", "test/package.json"]) {
		tree.write(file, await readFile(join(repoRoot, file), "utf8"));
	}
	await backendGenerator(tree, { name: "smoke" });
	for (const file of ["tsconfig.base.json", "tools/build/tsup.base.ts"]) {
		tree.write(file, await readFile(join(repoRoot, file), "utf8"));
	}
	await writeTree(tree, workspace);
});

afterAll(async () => {
	await rm(workspace, { recursive: true, force: true });
	await rmdir(dirname(workspace)).catch(() => {}); // only when no other run uses it
});

describe("a freshly generated backend plugin", () => {
	it("builds with tsup", { timeout: minutes(3) }, async () => {
		await runNode([toolEntry("tsup")], { cwd: plugin, timeoutMs: minutes(3) });
		const built = await readFile(join(plugin, "dist/index.js"), "utf8");
		expect(built).toContain("SmokeExecutor");
		expect(await readFile(join(plugin, "dist/index.d.ts"), "utf8")).toContain(
			"SmokeExecutorConfig",
		);
	});

	it("type-checks", { timeout: minutes(3) }, async () => {
		await runNode([toolEntry("tsc"), "-p", "tsconfig.json", "--noEmit"], {
			cwd: plugin,
			timeoutMs: minutes(3),
		});
	});

	it("follows the repo's Biome settings, with its additions to test/", {
		timeout: minutes(1),
	}, async () => {
		const e2e = join(workspace, "test");
		await runNode([toolEntry("biome"), "ci", "--vcs-enabled=false", plugin, e2e], {
			cwd: repoRoot,
			timeoutMs: minutes(1),
		});
	});

	it("runs under the curator command by its short name", { timeout: minutes(2) }, async () => {
		// After the build above: the CLI finds the backend as the package of its working folder.
		const cli = join(repoRoot, "packages/cli/dist/bin.js");
		const out = join(workspace, "demo-out");
		const { stdout, stderr } = await runNode(
			[cli, "run", "demo", "--backend", "smoke", "--output", out, "--json", "--progress", "none"],
			{ cwd: plugin, timeoutMs: minutes(2) },
		);
		expect(stderr).toBe("");
		expect(JSON.parse(stdout)).toMatchObject({ pipeline: "demo", backend: "smoke", ok: true });
		const listed = await runNode([cli, "backends", "--json"], {
			cwd: plugin,
			timeoutMs: minutes(1),
		});
		expect(JSON.parse(listed.stdout)).toContainEqual(
			expect.objectContaining({ name: "smoke", package: "@curator/backend-smoke", ok: true }),
		);
	});

	it("passes the conformance kit", { timeout: minutes(4) }, async () => {
		const out = join(workspace, "report.json");
		await runNode(
			[toolEntry("vitest"), "run", "--root", plugin, "--reporter=json", `--outputFile=${out}`],
			{ cwd: plugin, timeoutMs: minutes(4) },
		);
		const report = JSON.parse(await readFile(out, "utf8")) as {
			numFailedTests: number;
			numPassedTests: number;
			testResults: { assertionResults: { title: string; status: string }[] }[];
		};
		const tests = report.testResults.flatMap((file) => file.assertionResults);
		expect(report.numFailedTests).toBe(0);
		expect(report.numPassedTests).toBeGreaterThan(30);
		// An in-process, stage-by-stage executor skips, by name, what it declares it cannot do.
		const skipped = tests.filter((t) => t.status !== "passed").map((t) => t.title);
		expect(skipped).toHaveLength(10);
		for (const title of skipped) {
			expect(title).toMatch(
				/\(skipped: (supports\.(processIsolation|retries|streaming|spill) is false|the backend declares no per-stage options)\)$/,
			);
		}
	});
});

describe("the generator through the nx CLI", () => {
	it("is found as @curator/nx-plugin:backend", { timeout: minutes(3) }, async () => {
		const { stdout, stderr } = await runNode(
			[
				toolEntry("nx"),
				"g",
				"@curator/nx-plugin:backend",
				"zz-dry-run",
				"--dry-run",
				"--no-interactive",
			],
			{
				cwd: repoRoot,
				timeoutMs: minutes(3),
				env: { NX_DAEMON: "false", NX_NO_CLOUD: "true", NX_TUI: "false" },
			},
		);
		expect(stdout).toContain("CREATE plugins/backend-zz-dry-run/src/executor.ts");
		expect(stdout).toContain("CREATE test/e2e/conformance-zz-dry-run.test.ts");
		expect(stdout + stderr).toContain('The "dryRun" flag means no changes were made');
	});
});
