import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor } from "@curator/backend-local";
import {
	FilterStage,
	LifecycleStage,
	MultiplyStage,
	numbersTasks,
	stageCalls,
	UniqueNumbersStage,
} from "@curator/conformance/fixtures";
import { CuratorError, ErrorCodes, Pipeline, type RunEvent } from "@curator/core";
import { afterAll, describe, expect, it } from "vitest";
import { closeIdleDrivers, XennaExecutor } from "../src/index.ts";
import { python, skipped, skipReason, testExecutor } from "./bridge-env.ts";
import { view } from "./helpers.ts";

afterAll(closeIdleDrivers);

const input = () => numbersTasks([1], [2], [3], [4], [2], [6]);

/**
 * The CLI demo's shape: eight stages, a barrier (a dedup), one more stage. Unfused
 * (`fuseStages: false`), the first phase holds eight one-CPU workers at once in streaming
 * mode, more than this machine's cores.
 */
function demoShaped(): Pipeline {
	return new Pipeline({
		name: "demo-shaped",
		stages: [
			new MultiplyStage({ factor: 2 }),
			new FilterStage({ modulo: 2, remainder: 0 }),
			new MultiplyStage({ factor: 3 }),
			new FilterStage({ modulo: 3, remainder: 0 }),
			new MultiplyStage({ factor: 1 }),
			new FilterStage({ modulo: 4, remainder: 0 }),
			new MultiplyStage({ factor: 1 }),
			new MultiplyStage({ factor: 5 }),
			new UniqueNumbersStage(),
			new MultiplyStage({ factor: 7 }),
		],
	});
}

describe.skipIf(skipReason !== "")(`a small machine${skipped}`, () => {
	it("a demo-shaped pipeline runs with the executor's defaults (streaming, a local cluster sized for it)", async () => {
		expect(process.env.RAY_ADDRESS, "no cluster to join from the environment").toBeUndefined();
		const result = await demoShaped().run(new XennaExecutor({ python }), input());
		const expected = await demoShaped().run(new LocalExecutor(), input());
		// Two tasks filtered out ([1] and [3]), one duplicate dropped (the second [2]).
		expect(expected.tasks.length, "the reference keeps three tasks").toBe(3);
		expect(view(result.tasks)).toEqual(view(expected.tasks));
	}, 400_000);

	it("a kept-alive driver starts its local cluster again, larger, for a run that needs more", async () => {
		const executor = new XennaExecutor({ python, keepAliveS: 600 });
		const small = new Pipeline({ name: "small", stages: [new MultiplyStage({ factor: 2 })] });
		const first = await small.run(executor, numbersTasks([1]));
		expect(view(first.tasks)).toEqual([["0_0_0", [2]]]);
		const logs: string[] = [];
		// The same kept-alive driver (fusion is not part of what a driver is kept for).
		const unfused = new XennaExecutor({ python, keepAliveS: 600, fuseStages: false });
		const result = await demoShaped().run(unfused, input(), {
			onEvent: (event) => {
				if (event.type === "log") logs.push(event.message);
			},
		});
		const expected = await demoShaped().run(new LocalExecutor(), input());
		expect(view(result.tasks)).toEqual(view(expected.tasks));
		expect(logs.some((message) => message.includes("restarting the local cluster"))).toBe(true);
	}, 400_000);

	it("a run too large for the cluster fails in one line before any stage is set up", async () => {
		expect.assertions(4);
		const dir = await mkdtemp(join(tmpdir(), "xenna-small-"));
		const events: RunEvent[] = [];
		try {
			// The shared cluster offers 8 CPUs; the second phase (the barrier and nine more stages,
			// unfused) needs 10 at once in streaming mode. Xenna would only find out once the first
			// phase ran.
			const pipeline = new Pipeline({
				name: "too-wide",
				stages: [
					new LifecycleStage({ dir }),
					new UniqueNumbersStage(),
					...Array.from({ length: 9 }, () => new MultiplyStage({ factor: 1 })),
				],
			});
			await pipeline.run(testExecutor({ fuseStages: false }), numbersTasks([1]), {
				onEvent: (event) => events.push(event),
			});
		} catch (error) {
			expect(error).toBeInstanceOf(CuratorError);
			expect(error).toMatchObject({ code: ErrorCodes.unsatisfiableResources });
			expect((error as Error).message).toBe(
				'xenna-bridge: in streaming mode the 10 stages "UniqueNumbersStage" to "MultiplyStage#9" run together, and their workers need 10 CPUs at once, but the cluster (8 CPUs on 1 node) offers 8: set executionMode: "batch", a larger cluster or fewer workers per stage (maxWorkersPerStage, numWorkers)',
			);
			const started = events.filter((e) => ["stage:start", "worker:start"].includes(e.type));
			expect({ calls: stageCalls(dir), started }).toEqual({ calls: [], started: [] });
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});
});
