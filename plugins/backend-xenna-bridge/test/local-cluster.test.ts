import { readFileSync } from "node:fs";
import { descendantProcessesOf, type ProcessInfo, waitUntilGone } from "@curator/conformance";
import { MultiplyStage, numbersTasks } from "@curator/conformance/fixtures";
import { Pipeline } from "@curator/core";
import { describe, expect, it } from "vitest";
import { XennaExecutor } from "../src/index.ts";
import { python, skipped, skipReason } from "./bridge-env.ts";

describe.skipIf(skipReason !== "")(`without rayAddress${skipped}`, () => {
	it("a local Ray cluster is started for the run and nothing of it survives the run", async () => {
		expect(process.env.RAY_ADDRESS, "no cluster to join from the environment").toBeUndefined();
		const executor = new XennaExecutor({ python, localCpus: 2, cpuAllocationPercentage: 1 });
		let cluster: ProcessInfo[] = [];
		const pipeline = new Pipeline({ name: "local", stages: [new MultiplyStage({ factor: 2 })] });
		const result = await pipeline.run(executor, numbersTasks([1], [2]), {
			onEvent: (event) => {
				if (event.type === "batch:done" && cluster.length === 0) cluster = descendantProcessesOf();
			},
		});
		expect(result.tasks.map((task) => task.data)).toEqual([[2], [4]]);
		const commands = cluster.map((p) => p.command);
		expect(
			commands.some((c) => c.includes("gcs_server")),
			"a GCS of our own",
		).toBe(true);
		expect(
			commands.some((c) => c.includes("raylet")),
			"a raylet of our own",
		).toBe(true);
		// Reparented or not: every process of the local cluster ends with the run.
		const left = await waitUntilGone(() => cluster.filter((p) => isAlive(p.pid)), 10_000);
		expect(left.map((p) => `${p.pid} ${p.command}`)).toEqual([]);
	});
});

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
	} catch {
		return false;
	}
}
