import { liveProcesses, waitUntilGone } from "@curator/conformance";
import { numbersTasks } from "@curator/conformance/fixtures";
import { Pipeline, type RunEvent } from "@curator/core";
import { describe, expect, it } from "vitest";
import { skipped, skipReason, testExecutor } from "./bridge-env.ts";
import { TopLevelStage } from "./fixtures/top-level-run.ts";

const module = new URL("./fixtures/top-level-run.ts", import.meta.url).href;

describe.skipIf(skipReason !== "")(
	`a stage module that runs its pipeline at top level${skipped}`,
	() => {
		it("fails the run with the Node worker's CURATOR_RUN_IN_WORKER error; no Node worker is left", async () => {
			expect.assertions(4);
			const events: RunEvent[] = [];
			const run = new Pipeline({ name: "p", stages: [new TopLevelStage()] }).run(
				testExecutor({ keepAliveS: 0 }),
				numbersTasks([1], [2]),
				{ onEvent: (event) => events.push(event) },
			);
			const error = (await run.catch((e: unknown) => e)) as Error;
			// Python reports the worker's failed init as the stage's failure; the message is the worker's.
			expect(error.message).toMatch(
				/^stage "TopLevelStage" failed on tasks \[\], worker .*: init failed: inline: a pipeline run was started inside a worker by /,
			);
			expect(error.message).toContain(`a pipeline run was started inside a worker by ${module},`);
			const pids = events.flatMap((e) =>
				e.type === "worker:start" && e.pid !== undefined ? [e.pid] : [],
			);
			expect(pids.length, "Node workers started").toBeGreaterThan(0);
			const left = await waitUntilGone(() => liveProcesses(pids), 30_000);
			expect(left.map((p) => `${p.pid} ${p.command}`)).toEqual([]);
		});
	},
);
