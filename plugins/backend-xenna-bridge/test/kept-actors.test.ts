import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor } from "@curator/backend-local";
import {
	LifecycleStage,
	numbersTasks,
	stageCalls,
	UniqueNumbersStage,
} from "@curator/conformance/fixtures";
import { Pipeline, type RunEvent } from "@curator/core";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeIdleDrivers } from "../src/index.ts";
import { skipped, skipReason, testExecutor } from "./bridge-env.ts";
import { view } from "./helpers.ts";

afterAll(closeIdleDrivers);

const input = () => numbersTasks([1], [2], [3], [2]);

/** Pids of the Node workers a run started or took, by stage. */
function workerPids(events: RunEvent[]): Map<string, Set<number>> {
	const pids = new Map<string, Set<number>>();
	for (const event of events) {
		if (event.type !== "worker:start" || event.pid === undefined) continue;
		const set = pids.get(event.stage) ?? new Set<number>();
		set.add(event.pid);
		pids.set(event.stage, set);
	}
	return pids;
}

const all = (pids: Map<string, Set<number>>) => new Set([...pids.values()].flatMap((s) => [...s]));

describe.skipIf(skipReason !== "")(`kept stage actors${skipped}`, () => {
	let dir: string;
	beforeEach(async () => {
		dir = await mkdtemp(join(tmpdir(), "xenna-kept-"));
	});
	afterEach(async () => {
		await closeIdleDrivers();
		await rm(dir, { recursive: true, force: true });
	});

	const lifecycle = (name: string) =>
		new LifecycleStage({ dir, name }).with({ backend: { xenna: { numWorkers: 1 } } });

	async function twoRuns(reuseActors: boolean) {
		// Its own driver per case: kept-alive drivers are shared by the settings that pick them.
		const executor = testExecutor({ keepAliveS: 60, reuseActors });
		const pipeline = new Pipeline({ name: "kept", stages: [lifecycle("first")] });
		const runs: { tasks: { taskId: string; data: unknown }[]; pids: Set<number> }[] = [];
		for (let run = 0; run < 2; run++) {
			const events: RunEvent[] = [];
			const result = await pipeline.run(executor, input(), { onEvent: (e) => events.push(e) });
			runs.push({ tasks: result.tasks, pids: all(workerPids(events)) });
		}
		return runs;
	}

	it("the next run of a kept-alive driver takes the last run's processes; every run sets its stages up and tears them down", async () => {
		const [first, second] = await twoRuns(true);
		const expected = await new Pipeline({ name: "kept", stages: [lifecycle("first")] }).run(
			new LocalExecutor(),
			input(),
		);
		expect(view(first?.tasks ?? [])).toEqual(view(expected.tasks));
		expect(view(second?.tasks ?? [])).toEqual(view(expected.tasks));
		expect(first?.pids.size).toBe(1);
		expect(second?.pids, "the second run's Node worker is the first's").toEqual(first?.pids);
		const calls = stageCalls(dir, "first").filter((c) => c.pid === [...(first?.pids ?? [])][0]);
		const kinds = (kind: string) => calls.filter((c) => c.kind === kind).length;
		// Two runs in one Node worker (plus the local run's own calls in this process).
		expect([kinds("setupOnNode"), kinds("setup"), kinds("teardown")]).toEqual([2, 2, 2]);
		const keys = new Set(calls.filter((c) => c.kind === "setup").map((c) => c.workerKey));
		expect(keys.size, "each run sets up a new stage instance").toBe(2);
	}, 300_000);

	it("reuseActors: false starts new processes for every run", async () => {
		const [first, second] = await twoRuns(false);
		expect(first?.pids.size).toBe(1);
		expect(second?.pids.size).toBe(1);
		const shared = [...(second?.pids ?? [])].filter((pid) => first?.pids.has(pid));
		expect(shared).toEqual([]);
	}, 300_000);

	it("the phase after a barrier takes the actor the phase before left", async () => {
		const pipeline = new Pipeline({
			name: "kept-barrier",
			stages: [lifecycle("before"), new UniqueNumbersStage(), lifecycle("after")],
		});
		const events: RunEvent[] = [];
		const executor = testExecutor({ keepAliveS: 0 });
		const result = await pipeline.run(executor, input(), { onEvent: (e) => events.push(e) });
		const expected = await pipeline.run(new LocalExecutor(), input());
		expect(view(result.tasks)).toEqual(view(expected.tasks));
		const pids = workerPids(events);
		const before = [...(pids.get("before") ?? [])];
		expect(before).toHaveLength(1);
		const later = new Set(
			[...pids.entries()].filter(([s]) => s !== "before").flatMap(([, p]) => [...p]),
		);
		expect(later.has(before[0] as number), "a phase-2 stage runs in phase 1's Node worker").toBe(
			true,
		);
	}, 300_000);
});
