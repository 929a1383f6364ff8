import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { descendantProcessesOf, liveProcesses, waitUntilGone } from "@curator/conformance";
import { FailingStage, MultiplyStage, numbersTasks } from "@curator/conformance/fixtures";
import { ErrorCodes, Pipeline, type RunEvent, type RunOptions, StageError } from "@curator/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { XennaDriverError, XennaEnvironmentError, type XennaExecutor } from "../src/index.ts";
import { python, rayTempDir, skipped, skipReason, testExecutor } from "./bridge-env.ts";
import { processTreeMatching } from "./cluster.ts";
import { HoldStage, release } from "./fixtures/stages.ts";
import { groupAlive, heldPids, recordingLogger, view, waitFor } from "./helpers.ts";

let dir = "";
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "xenna-faults-"));
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

const drivers = () => descendantProcessesOf().filter((p) => p.command.includes("ray_js_bridge"));

/**
 * Starts a run whose batches hold until released, and waits until one is
 * held. Returns the run's outcome (its error, or `undefined`) and the driver.
 */
async function heldRun(executor: XennaExecutor, options: RunOptions) {
	const pipeline = new Pipeline({ name: "p", stages: [new HoldStage({ dir, hold: 2 })] });
	const outcome = pipeline.run(executor, numbersTasks([1], [2], [3]), options).then(
		() => undefined,
		(error: unknown) => error,
	);
	await waitFor(() => (heldPids(dir).length > 0 ? true : undefined), 90_000, "a held batch");
	const [driver] = drivers();
	return { outcome, driver };
}

describe.skipIf(skipReason !== "")(`faults${skipped}`, () => {
	it("a python that does not exist fails with the exact set-up command", async () => {
		expect.assertions(3);
		const run = new Pipeline({ name: "p", stages: [new MultiplyStage({ factor: 2 })] });
		try {
			await run.run(testExecutor({ python: join(dir, "no-python3") }), numbersTasks([1]));
		} catch (error) {
			expect(error).toBeInstanceOf(XennaEnvironmentError);
			expect(error).toMatchObject({ code: ErrorCodes.invalidConfig });
			const command = join(repoRoot(), "tools", "env", "python-venv.sh");
			expect((error as Error).message).toContain(
				`Set up the bridge's Python environment with: ${command}`,
			);
		}
	});

	it("a python without the bridge's modules fails naming the module and the set-up command", async () => {
		expect.assertions(3);
		const base = basePython();
		const run = new Pipeline({ name: "p", stages: [new MultiplyStage({ factor: 2 })] });
		try {
			await run.run(testExecutor({ python: base }), numbersTasks([1]));
		} catch (error) {
			expect(error).toBeInstanceOf(XennaEnvironmentError);
			expect((error as Error).message).toMatch(/cannot import (zmq|msgpack)/);
			expect((error as XennaEnvironmentError).setupCommand).toBe(
				join(repoRoot(), "tools", "env", "python-venv.sh"),
			);
		}
	});

	it("the driver killed mid-run: the run rejects at once, nothing is left running", async () => {
		expect.assertions(5);
		const workers = new Set<number>();
		const onEvent = (event: RunEvent) => {
			if (event.type === "worker:start" && event.pid !== undefined) workers.add(event.pid);
		};
		const { outcome, driver } = await heldRun(testExecutor(), { onEvent });
		expect(driver, "the driver process").toBeDefined();
		const killedAt = Date.now();
		process.kill(driver?.pid ?? -1, "SIGKILL");
		const error = await outcome;
		const seconds = (Date.now() - killedAt) / 1000;
		expect(error).toBeInstanceOf(XennaDriverError);
		expect((error as Error).message).toMatch(
			/the Python driver exited unexpectedly \(SIGKILL\) before the run finished/,
		);
		expect(seconds, "seconds from the kill to the rejection (bound: 10)").toBeLessThan(10);
		const left = await waitUntilGone(
			() => [
				...liveProcesses([...workers]),
				...(groupAlive(driver?.pid ?? -1) ? [driver as never] : []),
			],
			30_000,
		);
		expect(left.map((p) => `${p.pid} ${p.command}`)).toEqual([]);
	});

	it("a driver that does not stop after cancel is killed after cancelGraceS; the run rejects", async () => {
		expect.assertions(4);
		// The real driver, deaf to cancel: it refuses the message and goes on holding the batch.
		const stuck = join(dir, "stuck-python");
		writeFileSync(
			stuck,
			[
				"#!/bin/sh",
				"shift 2",
				`exec "${python}" -c "import sys`,
				"from ray_js_bridge import protocol",
				"protocol.EXECUTOR_TYPES = protocol.EXECUTOR_TYPES - {'cancel'}",
				"from ray_js_bridge.__main__ import main",
				'sys.exit(main(sys.argv[1:]))" "$@"',
				"",
			].join("\n"),
			{ mode: 0o755 },
		);
		const controller = new AbortController();
		const { outcome, driver } = await heldRun(
			testExecutor({ python: stuck, cancelGraceS: 2, keepAliveS: 0 }),
			{ signal: controller.signal },
		);
		expect(driver, "the driver process").toBeDefined();
		controller.abort(new Error("test abort"));
		const error = await outcome;
		expect(error).toMatchObject({ code: ErrorCodes.aborted });
		expect(groupAlive(driver?.pid ?? -1), "the driver's process group").toBe(false);
		const left = await waitUntilGone(() => drivers(), 30_000);
		expect(left.map((p) => `${p.pid} ${p.command}`)).toEqual([]);
	});

	it("a Node worker killed mid-batch is replaced and the batch retried per numRunAttempts", async () => {
		const events: RunEvent[] = [];
		const pipeline = new Pipeline({
			name: "p",
			stages: [new HoldStage({ dir, hold: 2 }), new MultiplyStage({ factor: 10 })],
		});
		const run = pipeline.run(testExecutor({ numRunAttempts: 2 }), numbersTasks([1], [2], [3]), {
			onEvent: (event) => events.push(event),
		});
		const [victim] = await waitFor(
			() => {
				const pids = heldPids(dir);
				return pids.length > 0 ? pids : undefined;
			},
			90_000,
			"a held batch",
		);
		process.kill(victim ?? -1, "SIGKILL");
		release(dir);
		const result = await run;
		expect(view(result.tasks)).toEqual([
			["0_0_0_0", [10]],
			["0_1_0_0", [20]],
			["0_2_0_0", [30]],
		]);
		expect(events.filter((e) => e.type === "retry")).toMatchObject([
			{ stage: "HoldStage", taskIds: ["0_1"], attempt: 2 },
		]);
		expect(events).toContainEqual(
			expect.objectContaining({
				type: "worker:exit",
				stage: "HoldStage",
				expected: false,
				signal: "SIGKILL",
			}),
		);
		const starts = events.filter((e) => e.type === "worker:start" && e.stage === "HoldStage");
		expect(starts, "the dead worker was replaced").toHaveLength(2);
		expect(result.summary.stages.find((s) => s.stage === "HoldStage")?.retries).toBe(1);
	});

	it("a Node worker killed on its last attempt fails the run naming stage, tasks and exit", async () => {
		expect.assertions(4);
		const pipeline = new Pipeline({ name: "p", stages: [new HoldStage({ dir, hold: 2 })] });
		const run = pipeline.run(testExecutor({ numRunAttempts: 1 }), numbersTasks([1], [2], [3]));
		const outcome = run.then(
			() => undefined,
			(error: unknown) => error,
		);
		const [victim] = await waitFor(
			() => {
				const pids = heldPids(dir);
				return pids.length > 0 ? pids : undefined;
			},
			90_000,
			"a held batch",
		);
		process.kill(victim ?? -1, "SIGKILL");
		const error = await outcome;
		expect(error).toBeInstanceOf(StageError);
		expect(error).toMatchObject({
			stage: "HoldStage",
			taskIds: ["0_1"],
			attempts: 1,
			exitCause: "signal SIGKILL",
		});
		expect((error as Error).message).toContain('stage "HoldStage" failed on tasks [0_1]');
		expect((error as Error).message).toContain("the Node worker");
	});

	it("a batch over processTimeoutS fails the run, its Node worker killed", async () => {
		expect.assertions(3);
		const pipeline = new Pipeline({ name: "p", stages: [new HoldStage({ dir, hold: 2 })] });
		try {
			await pipeline.run(
				testExecutor({ processTimeoutS: 2, numRunAttempts: 1 }),
				numbersTasks([2]),
			);
		} catch (error) {
			expect(error).toMatchObject({ stage: "HoldStage", taskIds: ["0_0"], exitCause: "timeout" });
			expect((error as Error).message).toContain("did not answer within 2 s");
			expect(liveProcesses(heldPids(dir)), "the stuck Node worker").toEqual([]);
		}
	});

	it("resourceMonitor starts Xenna's monitors, and none survives the run", async () => {
		const monitors = () =>
			liveProcesses(processTreeMatching([rayTempDir])).filter((p) =>
				p.command.includes("NodeResourceMonitor"),
			);
		let seen = 0;
		const pipeline = new Pipeline({ name: "p", stages: [new MultiplyStage({ factor: 2 })] });
		await pipeline.run(testExecutor({ resourceMonitor: true }), numbersTasks([1]), {
			onEvent: (event) => {
				if (event.type === "batch:done") seen = monitors().length;
			},
		});
		expect(seen, "monitors while the run went on").toBeGreaterThan(0);
		const left = await waitUntilGone(monitors, 15_000);
		expect(left.map((p) => `${p.pid} ${p.command}`)).toEqual([]);
	});

	it("with ignoreFailures the dropped task ids are reported and the run goes on", async () => {
		const pipeline = new Pipeline({
			name: "p",
			stages: [new FailingStage({ failOn: 13 }), new MultiplyStage({ factor: 2 })],
		});
		const result = await pipeline.run(
			testExecutor({ ignoreFailures: true, numRunAttempts: 1 }),
			numbersTasks([1], [13], [3]),
		);
		expect(view(result.tasks)).toEqual([
			["0_0_0_0", [2]],
			["0_2_0_0", [6]],
		]);
		expect(result.failures).toEqual([
			expect.objectContaining({ stage: "FailingStage", taskIds: ["0_1"], attempts: 1 }),
		]);
		expect(result.failures[0]?.error).toContain("conformance fixture cannot take 13");
	});

	it("rogue messages to the executor's socket are rejected and logged; the run is unharmed", async () => {
		const logger = recordingLogger();
		const pipeline = new Pipeline({
			name: "p",
			stages: [new HoldStage({ dir, hold: 2 }), new MultiplyStage({ factor: 3 })],
		});
		const run = pipeline.run(testExecutor({ logger }), numbersTasks([1], [2]));
		await waitFor(() => (heldPids(dir).length > 0 ? true : undefined), 90_000, "a held batch");
		const [driver] = drivers();
		const endpoint = /--connect (\S+)/.exec(driver?.command ?? "")?.[1] ?? "";
		await sendRogueMessages(endpoint);
		await waitFor(
			() =>
				logger.records.filter((r) => r.message.includes("rejected a message")).length >= 3
					? true
					: undefined,
			30_000,
			"three rejections in the log",
		);
		release(dir);
		const result = await run;
		expect(view(result.tasks)).toEqual([
			["0_0_0_0", [3]],
			["0_1_0_0", [6]],
		]);
		const reasons = logger.records
			.filter((r) => r.level === "warn" && r.message.includes("rejected a message"))
			.map((r) => r.message);
		expect(reasons).toEqual(
			expect.arrayContaining([
				expect.stringContaining("wrong session key"),
				expect.stringContaining("malformed envelope"),
			]),
		);
	});
});

async function sendRogueMessages(endpoint: string): Promise<void> {
	const { Dealer } = await import("zeromq");
	const { encodeMessage } = await import("../src/wire.ts");
	const rogue = new Dealer({ linger: 1000 });
	rogue.connect(endpoint);
	await rogue.send(encodeMessage("not-the-session", "done", 1));
	await rogue.send([Buffer.from([0xc1, 0xc1])]);
	await rogue.send(encodeMessage("also-wrong", "launch" as never, 2, {}, [new Uint8Array(8)]));
	await new Promise((resolve) => setTimeout(resolve, 200));
	rogue.close();
}

function repoRoot(): string {
	return join(import.meta.dirname, "..", "..", "..");
}

/** The interpreter the project venv was made from (it has none of the bridge's modules). */
function basePython(): string {
	return execFileSync(python, ["-c", "import sys; print(sys._base_executable)"], {
		encoding: "utf8",
	}).trim();
}
