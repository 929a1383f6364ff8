import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { python, skipped, skipReason } from "./bridge-env.ts";
import { localClusterEnv, rayEnv } from "./cluster.ts";

const project = join(dirname(fileURLToPath(import.meta.url)), "..", "python");

/** Runs a tool of the project venv in `python/`; returns its combined output. */
function venv(args: string[]): { status: number | null; output: string } {
	const env = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };
	const result = spawnSync(python, args, { cwd: project, env, encoding: "utf8", timeout: 120_000 });
	return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe.skipIf(skipReason !== "")(`ray_js_bridge (Python)${skipped}`, () => {
	it("passes its pytest suite (protocol validation, driver link; no Ray needed)", () => {
		const { status, output } = venv(["-m", "pytest", "-q", "-p", "no:cacheprovider"]);
		expect(status, output).toBe(0);
		expect(output).toMatch(/\d+ passed/);
	});

	it("starts test clusters with the environment the driver gives the clusters it starts", () => {
		const dump =
			"import json; from ray_js_bridge.cluster import RAY_ENV, LOCAL_CLUSTER_ENV as L; print(json.dumps([RAY_ENV, L]))";
		const { status, output } = venv(["-c", dump]);
		expect(status, output).toBe(0);
		expect([rayEnv, localClusterEnv]).toEqual(JSON.parse(output.split("\n")[0] ?? ""));
	});

	it("is ruff clean (lint and format)", () => {
		const lint = venv(["-m", "ruff", "check", "--no-cache", "."]);
		expect(lint.status, lint.output).toBe(0);
		const format = venv(["-m", "ruff", "format", "--check", "--no-cache", "."]);
		expect(format.status, format.output).toBe(0);
	});
});
