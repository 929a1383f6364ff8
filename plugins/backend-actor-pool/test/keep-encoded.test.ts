import { readdirSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor } from "@curator/backend-local";
import { childProcessesOf } from "@curator/conformance";
import { RepeatStage } from "@curator/conformance/fixtures";
import { Pipeline, type Task } from "@curator/core";
import { EncodedTask, type PoolBatch, StagePool } from "@curator/runtime";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ActorPoolExecutor } from "../src/index.ts";
import { CrashStage, MathStage, numbers, SumStage } from "./fixtures/stages.ts";

const machine = { cpus: 2, gpus: 0 };
afterEach(() => {
	vi.restoreAllMocks();
	vi.unstubAllEnvs();
	expect(childProcessesOf().map((p) => p.pid)).toEqual([]);
});

const view = (tasks: Task[]) =>
	tasks.map((t) => [t.taskId, t.data, t.stagePerf.map((p) => p.stageName)]);

/** Odd tasks grow past the size that stays encoded; even ones stay small. */
function pipeline(): Pipeline {
	return new Pipeline({
		name: "p",
		stages: [
			new MathStage(),
			new RepeatStage({ times: 40_000, oddOnly: true }),
			new SumStage({ batchSize: 2 }).with({ backend: { actorPool: { fuse: false } } }),
		],
	});
}

/** What each call of the last stage was given: "encoded", "decoded" or "mixed". */
function inputKinds(calls: [PoolBatch, ...unknown[]][]): string[] {
	return calls.map(([batch]) => {
		const encoded = batch.filter((task) => task instanceof EncodedTask).length;
		return encoded === 0 ? "decoded" : encoded === batch.length ? "encoded" : "mixed";
	});
}

describe("the spill folder", () => {
	it("is declared (supports.spill) with worker processes keeping large outputs encoded", () => {
		const spill = (config: ConstructorParameters<typeof ActorPoolExecutor>[0]) =>
			new ActorPoolExecutor(config).supports.spill;
		expect([spill({}), spill({ isolation: "process" }), spill({ isolation: "thread" })]).toEqual([
			true,
			true,
			false,
		]);
		expect(spill({ keepEncoded: false })).toBe(false);
	});

	it("is made only when a group of stages passes its outputs on to another group", async () => {
		const spillBase = await mkdtemp(join(tmpdir(), "curator-spill-"));
		vi.stubEnv("CURATOR_SPILL_DIR", spillBase);
		try {
			const foldersDuring = async (stages: Pipeline["stages"]) => {
				const seen: number[] = [];
				const executor = new ActorPoolExecutor({ isolation: "process", machine });
				await new Pipeline({ name: "p", stages: [...stages] }).run(executor, numbers([1], [2]), {
					onEvent: (event) => {
						if (event.type === "stage:start") seen.push(readdirSync(spillBase).length);
					},
				});
				return seen;
			};
			expect(await foldersDuring([new MathStage()])).toEqual([0]);
			const unfused = { backend: { actorPool: { fuse: false } } };
			expect(await foldersDuring([new MathStage(), new SumStage().with(unfused)])).toEqual([1, 1]);
			expect(await readdir(spillBase)).toEqual([]);
		} finally {
			await rm(spillBase, { recursive: true, force: true });
		}
	});
});

describe.each(["process", "thread"] as const)(
	"outputs kept encoded (%s isolation)",
	(isolation) => {
		it("large outputs go to the next stage's workers as the bytes they came in", async () => {
			const processCalls = vi.spyOn(StagePool.prototype, "process");
			const spillBase = await mkdtemp(join(tmpdir(), "curator-spill-"));
			vi.stubEnv("CURATOR_SPILL_DIR", spillBase);
			try {
				const input = () => numbers([1], [2], [3], [4], [5]);
				const local = await pipeline().run(new LocalExecutor({ machine }), input());
				const pooled = await pipeline().run(new ActorPoolExecutor({ isolation, machine }), input());
				expect(view(pooled.tasks)).toEqual(view(local.tasks));
				expect(pooled.tasks.map((t) => t.data)).toEqual([
					[40_000],
					[4],
					[40_000 * 9],
					[16],
					[40_000 * 25],
				]);
				const sumCalls = processCalls.mock.calls.filter((call) => call[0].length > 0).slice(-3);
				// Chunks of two: in [big, small] the small task is encoded too; nothing big is decoded here.
				expect(inputKinds(sumCalls as [PoolBatch][])).toEqual(["encoded", "encoded", "encoded"]);
				// Worker processes pass them through files in the run's spill folder, gone after the run.
				const files = sumCalls.flatMap(([batch]) =>
					(batch as EncodedTask[]).flatMap((task) => (task.file === undefined ? [] : [task.file])),
				);
				if (isolation === "process") {
					expect(files.length).toBeGreaterThanOrEqual(3);
					expect(files.every((file) => file.startsWith(spillBase))).toBe(true);
				} else {
					expect(files).toEqual([]);
				}
				expect(await readdir(spillBase)).toEqual([]);
			} finally {
				await rm(spillBase, { recursive: true, force: true });
			}
		});

		it("a batch read from spilled files is retried from the same files after its worker died", async () => {
			const markerDir = await mkdtemp(join(tmpdir(), "curator-crash-"));
			try {
				const build = () => {
					const crash = new CrashStage().with({ backend: { actorPool: { fuse: false } } });
					crash.victim = 9;
					crash.markerDir = markerDir;
					return new Pipeline({
						name: "p",
						stages: [new MathStage(), new RepeatStage({ times: 40_000 }), crash, new SumStage()],
					});
				};
				const retries: string[] = [];
				const result = await build().run(
					new ActorPoolExecutor({ isolation, machine }),
					numbers([1], [3]),
					{ onEvent: (e) => void (e.type === "retry" && retries.push(e.taskIds.join(","))) },
				);
				expect(result.tasks.map((t) => t.data)).toEqual([[40_000], [40_000 * 9]]);
				expect(retries).toHaveLength(1);
			} finally {
				await rm(markerDir, { recursive: true, force: true });
			}
		});

		it("with keepEncoded: false every output is decoded between stages", async () => {
			const process = vi.spyOn(StagePool.prototype, "process");
			const result = await pipeline().run(
				new ActorPoolExecutor({ isolation, machine, keepEncoded: false }),
				numbers([1], [3]),
			);
			expect(result.tasks.map((t) => t.data)).toEqual([[40_000], [40_000 * 9]]);
			expect(inputKinds(process.mock.calls as [PoolBatch][])).not.toContain("encoded");
		});
	},
);
