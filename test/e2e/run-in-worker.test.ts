import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { groupMembers } from "./cli-helpers.ts";

const script = fileURLToPath(new URL("./fixtures/top-level-run.ts", import.meta.url));
const scriptUrl = new URL("./fixtures/top-level-run.ts", import.meta.url).href;
/** Far beyond a failed run's few seconds; the runaway chain of workers never ends by itself. */
const deadlineMs = 60_000;
const started: ChildProcess[] = [];

afterEach(() => {
	for (const child of started.splice(0)) {
		try {
			if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
		} catch {
			// Already gone.
		}
	}
});

interface Ended {
	code: number | null;
	stderr: string;
	/** Processes left in the script's process group after it exited. */
	leftovers: number[];
}

/** Runs the script as the leader of a new process group, so every worker it starts is found by group. */
function runScript(backend: string): Promise<Ended> {
	const child = spawn(process.execPath, [script], {
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: { ...process.env, CURATOR_TEST_BACKEND: backend },
	});
	started.push(child);
	let stderr = "";
	child.stderr?.on("data", (chunk) => {
		stderr += chunk;
	});
	const timer = setTimeout(() => {
		if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
	}, deadlineMs);
	return new Promise((resolve, reject) => {
		child.on("error", reject);
		child.on("close", (code) => {
			clearTimeout(timer);
			resolve({ code, stderr, leftovers: groupMembers(child.pid ?? -1) });
		});
	});
}

describe("a script that registers its stages and runs its pipeline at top level", () => {
	it.each(["actor-pool:process", "actor-pool:thread", "data"])(
		"on %s ends with CURATOR_RUN_IN_WORKER naming it and the fix; no process is left",
		async (backend) => {
			const ended = await runScript(backend);
			expect(ended.code).toBe(1);
			expect(ended.stderr).toContain("CURATOR_RUN_IN_WORKER");
			expect(ended.stderr).toContain(`a pipeline run was started inside a worker by ${scriptUrl},`);
			expect(ended.stderr).toContain("or guard the top-level run with `if (import.meta.main)`");
			expect(ended.leftovers).toEqual([]);
		},
	);
});
