import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import {
	canListProcesses,
	childProcessesOf,
	descendantProcessesOf,
	liveProcesses,
	waitUntilGone,
} from "../src/index.ts";

describe.skipIf(!canListProcesses)("process helpers (Linux ps)", () => {
	it("see a child while it runs and not after it was reaped", async () => {
		const child = spawn("sleep", ["60"], { stdio: "ignore" });
		const pid = child.pid ?? -1;
		try {
			expect(childProcessesOf().map((p) => p.pid)).toContain(pid);
			expect(descendantProcessesOf().find((p) => p.pid === pid)?.command).toBe("sleep 60");
			expect(liveProcesses([pid]).map((p) => p.pid)).toEqual([pid]);
		} finally {
			await stop(child);
		}
		expect(childProcessesOf().map((p) => p.pid)).not.toContain(pid);
		expect(liveProcesses([pid])).toEqual([]);
		expect(await waitUntilGone(() => liveProcesses([pid]), 1000)).toEqual([]);
	});

	it("see grandchildren as descendants", async () => {
		const shell = spawn("sh", ["-c", "sleep 60 & wait"], { stdio: "ignore" });
		try {
			let grandchild: number | undefined;
			for (let i = 0; i < 200 && grandchild === undefined; i++) {
				grandchild = childProcessesOf(shell.pid).find((p) => p.command === "sleep 60")?.pid;
				if (grandchild === undefined) await new Promise((r) => setTimeout(r, 10));
			}
			expect(grandchild).toBeDefined();
			expect(descendantProcessesOf().map((p) => p.pid)).toEqual(
				expect.arrayContaining([shell.pid, grandchild]),
			);
			if (grandchild !== undefined) process.kill(grandchild, "SIGKILL");
		} finally {
			await stop(shell);
		}
	});

	it("report what is left when processes outlive the wait", async () => {
		const child = spawn("sleep", ["60"], { stdio: "ignore" });
		try {
			const left = await waitUntilGone(() => liveProcesses([child.pid ?? -1]), 30);
			expect(left.map((p) => p.pid)).toEqual([child.pid]);
		} finally {
			await stop(child);
		}
	});
});

async function stop(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = once(child, "exit");
	child.kill("SIGKILL");
	await exited;
}
