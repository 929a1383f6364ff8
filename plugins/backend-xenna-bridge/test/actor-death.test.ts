import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor } from "@curator/backend-local";
import { liveProcesses, waitUntilGone } from "@curator/conformance";
import { MultiplyStage, numbersTasks } from "@curator/conformance/fixtures";
import { Pipeline, type RunEvent } from "@curator/core";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { closeIdleDrivers, type XennaExecutionMode, XennaExecutor } from "../src/index.ts";
import { python, skipped, skipReason } from "./bridge-env.ts";
import { HoldStage, release } from "./fixtures/stages.ts";
import { heldPids, view, waitFor } from "./helpers.ts";

// The run's own temp dir: the local cluster the driver starts (and every actor, which makes its
// Node worker's curator-w-* folder there) inherits it, so no other test's folder is counted.
const runTemp = mkdtempSync(join(tmpdir(), "xk-"));
const savedTemp = process.env.TMPDIR;
process.env.TMPDIR = runTemp;

afterAll(async () => {
	await closeIdleDrivers();
	if (savedTemp === undefined) delete process.env.TMPDIR;
	else process.env.TMPDIR = savedTemp;
	rmSync(runTemp, { recursive: true, force: true });
});

const workerFolders = () => readdirSync(runTemp).filter((name) => name.startsWith("curator-w-"));

/** The curator-w-* folder whose owner file names `worker` as its Node worker. */
function folderOf(worker: number): string | undefined {
	return workerFolders()
		.map((name) => join(runTemp, name))
		.find((folder) => {
			try {
				return JSON.parse(readFileSync(join(folder, "owner"), "utf8")).worker === worker;
			} catch {
				return false; // Still being made.
			}
		});
}

/** `/proc/<pid>/stat`'s parent pid and `/proc/<pid>/cmdline`, as text. */
function processFacts(pid: number): { ppid: number; command: string } {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
	const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
	return { ppid, command };
}

function pipeline(dir: string): Pipeline {
	return new Pipeline({
		name: "p",
		stages: [new HoldStage({ dir, hold: 2 }), new MultiplyStage({ factor: 10 })],
	});
}

describe.skipIf(skipReason !== "")(`a stage's Ray actor killed mid-batch${skipped}`, () => {
	it.each<XennaExecutionMode>(["streaming", "batch"])(
		"%s: the batch is retried on a new actor, the dead actor's Node worker and folder are removed",
		async (executionMode) => {
			const dir = mkdtempSync(join(runTemp, "hold-"));
			const events: RunEvent[] = [];
			// A kept-alive driver (no rayAddress: a local cluster of its own).
			const executor = new XennaExecutor({
				python,
				executionMode,
				numRunAttempts: 2,
				keepAliveS: 600,
				loggingIntervalS: 600,
			});
			// The first batch is held: the driver counts the death against the oldest batch the
			// actor had not returned, which is the one it runs (a batch that ended just before the
			// death, its result not yet back, would be counted instead).
			const run = pipeline(dir).run(executor, numbersTasks([2], [1], [3]), {
				onEvent: (event) => events.push(event),
			});
			// A failed expectation below must not leave the run holding its batch.
			const settled = run.catch(() => undefined);
			onTestFinished(async () => {
				release(dir);
				await settled;
			});
			const [held] = await waitFor(
				() => (heldPids(dir).length > 0 ? heldPids(dir) : undefined),
				180_000,
				"a held batch",
			);
			const worker = held ?? -1;
			const folder = folderOf(worker);
			expect(folder, "the held Node worker's folder").toBeDefined();
			const actor = processFacts(worker).ppid;
			expect(processFacts(actor).command, "the Node worker's parent").toMatch(/^ray::/);
			process.kill(actor, "SIGKILL");

			// The batch comes back on a new actor; its Node worker holds it again.
			await waitFor(
				() => (heldPids(dir).some((pid) => pid !== worker) ? true : undefined),
				180_000,
				"the batch held again by another Node worker",
			);
			// Still blocked in its batch (nothing released yet), the orphan can only have been killed.
			const orphan = await waitUntilGone(() => liveProcesses([worker]), 30_000);
			expect(orphan.map((p) => `${p.pid} ${p.command}`)).toEqual([]);
			expect(existsSync(folder ?? ""), "the dead actor's folder").toBe(false);
			release(dir);

			const result = await run;
			const expected = await pipeline(dir).run(new LocalExecutor(), numbersTasks([2], [1], [3]));
			expect(view(result.tasks)).toEqual(view(expected.tasks));
			expect(events.filter((e) => e.type === "retry")).toMatchObject([
				{ stage: "HoldStage", taskIds: ["0_0"], attempt: 2 },
			]);
			expect(events).toContainEqual(
				expect.objectContaining({ type: "worker:exit", stage: "HoldStage", expected: false }),
			);
			// The driver keeps the run's idle actors (and their Node workers) for its next run:
			// they end with it.
			await closeIdleDrivers();
			expect(workerFolders(), "curator-w-* folders left in the run's TMPDIR").toEqual([]);
			const started = events.flatMap((e) =>
				e.type === "worker:start" && e.pid !== undefined ? [e.pid] : [],
			);
			const left = await waitUntilGone(() => liveProcesses([...started, worker]), 30_000);
			expect(left.map((p) => `${p.pid} ${p.command}`)).toEqual([]);
		},
		300_000,
	);
});
