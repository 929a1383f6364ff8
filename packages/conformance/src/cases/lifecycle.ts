import { ErrorCodes } from "@curator/core";
import { describe, type ExpectStatic } from "vitest";
import { rows } from "../expectations.ts";
import {
	type JournalEntry,
	LifecycleStage,
	numbersTasks,
	preflightFailureMessage,
	readJournal,
	stageCalls,
} from "../fixtures/index.ts";
import { type ConformanceKit, conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

const stageNames = ["LifecycleA", "LifecycleB"] as const;
const taskCount = 8;

/**
 * Cases "lifecycle": `preflight` once per stage in the calling process
 * before anything starts, `setupOnNode` once per node, `setup` once per worker
 * before its batches, `teardown` for every worker that ran `setup` (also
 * when a stage fails). Counted through journal files, since workers may be
 * other processes.
 */
export function registerLifecycleCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	describe("lifecycle", () => {
		kit.test("preflight runs once per stage, in the calling process", (expect) =>
			withJournal(kit, (journal) => {
				for (const stage of stageNames) {
					const pids = journal(stage, "preflight").map((e) => e.pid);
					expect(pids, `${stage}: preflight calls, by process`).toEqual([process.pid]);
				}
			}),
		);

		kit.test("a failing preflight rejects the run before any stage starts", async (expect) => {
			await kit.withTempDir(async (dir) => {
				const stages = [
					new LifecycleStage({ dir, name: stageNames[0] }),
					new LifecycleStage({ dir, name: stageNames[1], failPreflight: true }),
				];
				await expect(kit.run(stages, numbersTasks(...rows(2)))).rejects.toMatchObject({
					code: ErrorCodes.preflightFailed,
					stage: stageNames[1],
					message: expect.stringContaining(preflightFailureMessage),
				});
				expect(stageCalls(dir), "lifecycle calls after a failed preflight").toEqual([]);
				expect(readJournal(dir, stageNames[0]).map((e) => e.kind)).toEqual(["preflight"]);
			});
		});

		kit.test("setupOnNode runs once per node for each stage", (expect) =>
			withJournal(kit, (journal) => expectSetupOnNodeOncePerNode(expect, journal)),
		);

		kit.test("setup runs once per worker, after setupOnNode and before its batches", (expect) =>
			withJournal(kit, (journal) => expectSetupOncePerWorker(expect, journal)),
		);

		kit.test("teardown runs once for every worker that ran setup", (expect) =>
			withJournal(kit, (journal) => {
				for (const stage of stageNames) expectPairedTeardown(expect, journal, stage);
			}),
		);

		kit.test(
			"teardown runs for every worker that ran setup, also when a stage fails",
			async (expect) => {
				await kit.withTempDir(async (dir) => {
					const failing = new LifecycleStage({ dir, name: "LifecycleA", failOn: 5 });
					const outcome = await kit.run([failing], numbersTasks(...rows(taskCount))).then(
						() => "resolved",
						() => "rejected",
					);
					expect(outcome, "the run with a failing stage").toBe("rejected");
					expectPairedTeardown(expect, journalOf(dir), "LifecycleA");
				});
			},
		);
	});
}

type Journal = (stage: string, kind: JournalEntry["kind"]) => JournalEntry[];

/** Runs the two lifecycle stages on the backend, then checks their journal. */
async function withJournal(kit: ConformanceKit, check: (journal: Journal) => void): Promise<void> {
	await kit.withTempDir(async (dir) => {
		await kit.run(
			[
				new LifecycleStage({ dir, name: stageNames[0], batchSize: 2 }),
				new LifecycleStage({ dir, name: stageNames[1] }),
			],
			numbersTasks(...rows(taskCount)),
		);
		check(journalOf(dir));
	});
}

function journalOf(dir: string): Journal {
	const entries = readJournal(dir);
	return (stage, kind) => entries.filter((e) => e.stage === stage && e.kind === kind);
}

function expectSetupOnNodeOncePerNode(expect: ExpectStatic, journal: Journal): void {
	for (const stage of stageNames) {
		const nodes = journal(stage, "setupOnNode").map((e) => e.nodeId ?? "(none)");
		expect(nodes.length, `${stage}: setupOnNode calls`).toBeGreaterThan(0);
		expect(nodes, `${stage}: setupOnNode calls by node`).toEqual([...new Set(nodes)]);
	}
}

function expectSetupOncePerWorker(expect: ExpectStatic, journal: Journal): void {
	for (const stage of stageNames) {
		const setups = journal(stage, "setup");
		expect(setups.length, `${stage}: setup calls`).toBeGreaterThan(0);
		const workers = setups.map((e) => e.workerId);
		expect(workers, `${stage}: setup calls by worker id`).toEqual([...new Set(workers)]);
		for (const setup of setups) {
			expect(setup.nodeSetupSeen, `${stage}: setupOnNode done before setup`).toBe(true);
		}
		const keys = new Set(setups.map((e) => e.workerKey));
		const processed = journal(stage, "process");
		for (const call of processed) {
			expect(keys.has(call.workerKey), `${stage}: process() in a worker without setup`).toBe(true);
		}
		const ids = processed.flatMap((e) => e.taskIds ?? []).sort();
		expect(ids, `${stage}: tasks processed`).toEqual([...new Set(ids)]);
		expect(ids.length, `${stage}: process() calls`).toBe(taskCount);
	}
}

function expectPairedTeardown(expect: ExpectStatic, journal: Journal, stage: string): void {
	const setUp = journal(stage, "setup").map((e) => String(e.workerKey));
	const tornDown = journal(stage, "teardown").map((e) => String(e.workerKey));
	expect(setUp.length, `${stage}: setup calls`).toBeGreaterThan(0);
	expect(tornDown.sort(), `${stage}: teardown calls, by worker that ran setup`).toEqual(
		setUp.sort(),
	);
}
