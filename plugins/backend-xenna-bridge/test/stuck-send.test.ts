import { numbersTask } from "@curator/conformance/fixtures";
import {
	AbortError,
	type ExecutionContext,
	resolveStages,
	rootTaskId,
	silentLogger,
} from "@curator/core";
import { afterEach, describe, expect, it } from "vitest";
import type { DriverExit } from "../src/driver.ts";
import { closeIdleDrivers, keepIdleDriver } from "../src/pool.ts";
import { poolKey, type RunSetup, runPipeline } from "../src/run.ts";
import type { BridgeSession } from "../src/session.ts";
import { HoldStage } from "./fixtures/stages.ts";

/**
 * A session whose driver took `submit` and then stopped reading: every send
 * after that waits until the socket is closed, as a ROUTER send to a peer
 * that no longer reads does. No Python and no timing: the test waits for the
 * input send to start, then aborts.
 */
class StuckDriverSession {
	readonly key = "stuck";
	readonly encrypted = false;
	readonly endpoint = "tcp://127.0.0.1:0";
	readonly sent: string[] = [];
	readonly inputSending = Promise.withResolvers<void>();
	readonly #closed = Promise.withResolvers<never>();
	readonly #exited = Promise.withResolvers<DriverExit>();
	readonly driver = {
		exit: undefined as DriverExit | undefined,
		exited: this.#exited.promise,
		lastError: undefined,
		logger: silentLogger,
		killGroup: () => {
			this.driver.exit ??= { code: null, signal: "SIGKILL" };
			this.#exited.resolve(this.driver.exit);
		},
	};

	constructor() {
		this.#closed.promise.catch(() => {});
	}

	attach(): void {}
	onMessage(): void {}

	send(type: string): Promise<void> {
		this.sent.push(type);
		if (type === "submit") return Promise.resolve();
		if (type === "input") this.inputSending.resolve();
		return this.#closed.promise;
	}

	async close(): Promise<void> {
		this.driver.killGroup();
		this.#closed.reject(new Error("socket closed"));
	}
}

function contextOf(signal: AbortSignal): ExecutionContext {
	return {
		signal,
		logger: silentLogger,
		emit: () => {},
		recordFailure: () => {},
		throwIfAborted: () => {
			if (signal.aborted) throw new AbortError(signal.reason);
		},
	};
}

afterEach(closeIdleDrivers);

describe("a run whose driver stops reading its inputs", () => {
	it("settles on the abort instead of waiting for the send", async () => {
		const session = new StuckDriverSession();
		const controller = new AbortController();
		const setup: RunSetup = {
			config: { keepAliveS: 60, cancelGraceS: 0.01 },
			python: "no-python-needed",
			paths: { packageRoot: "", pythonSource: "", repoRoot: undefined, venvPython: undefined },
			workerEntry: "",
			ignoreHeadNode: false,
			context: contextOf(controller.signal),
		};
		keepIdleDriver(poolKey(setup), session as unknown as BridgeSession, 60_000);
		const stages = resolveStages([new HoldStage({ dir: "", hold: -1 })]);
		const tasks = [numbersTask([1]), numbersTask([2])];
		for (const [i, task] of tasks.entries()) task.taskId = rootTaskId(i);

		const run = runPipeline(stages, tasks, setup);
		await session.inputSending.promise;
		controller.abort("user");

		await expect(run).rejects.toBeInstanceOf(AbortError);
		expect(session.sent).toEqual(["submit", "input", "cancel"]);
	}, 20_000);
});
