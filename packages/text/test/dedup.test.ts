import { CuratorError, consumeStageMetrics, isBarrier } from "@curator/core";
import { describe, expect, it } from "vitest";
import {
	ALL_TASKS,
	DEFAULT_HASH_FIELD,
	type DocumentBatch,
	ExactDuplicateFilter,
	NormalizedTextHasher,
	normalizedHash,
} from "../src/index.ts";
import { batchOf, rebuild } from "./helpers.ts";

const ids = (out: unknown[]): unknown[] =>
	out.map((task) => (task === null ? null : (task as DocumentBatch).data.id));

describe("ExactDuplicateFilter", () => {
	it("treats case and whitespace variants as duplicates", () => {
		expect(normalizedHash("Hello  World\n")).toBe(normalizedHash("hello world"));
		expect(normalizedHash("hello world!")).not.toBe(normalizedHash("hello world"));
	});

	it("asks for one worker and every task in one call when deduplicating a run", () => {
		const stage = new ExactDuplicateFilter();
		expect(stage.numWorkers()).toBe(1);
		expect(stage.batchSize).toBe(ALL_TASKS);
		expect(isBarrier(stage)).toBe(true);
		const perTask = new ExactDuplicateFilter({ scope: "task" });
		expect(perTask.numWorkers()).toBeUndefined();
		expect(perTask.batchSize).toBe(1);
		expect(() => new ExactDuplicateFilter({ scope: "all" as "run" })).toThrow(CuratorError);
	});

	it("keeps the first copy in task-id order, whatever order the tasks arrive in", async () => {
		const a = () => batchOf(["x", "y", "X "], "f_0_2");
		const b = () => batchOf(["y", "z"], "f_0_10");
		const c = () => batchOf(["z"], "f_0_1");
		const forward = new ExactDuplicateFilter();
		forward.setup();
		const out1 = await forward.processBatch([c(), a(), b()]);
		const backward = new ExactDuplicateFilter();
		backward.setup();
		const out2 = await backward.processBatch([b(), a(), c()]);
		expect(ids(out1)).toEqual([["d0"], ["d0", "d1"], null]);
		expect(ids(out2)).toEqual([null, ["d0", "d1"], ["d0"]]);
		expect(consumeStageMetrics(forward)).toEqual({ duplicatesRemoved: 3 });
	});

	it("remembers hashes across calls on its one worker, and forgets them at teardown", async () => {
		const stage = rebuild(new ExactDuplicateFilter());
		stage.setup();
		await stage.processBatch([batchOf(["x"], "1")]);
		expect(await stage.processBatch([batchOf(["x"], "2")])).toEqual([null]);
		stage.teardown();
		stage.setup();
		expect(ids(await stage.processBatch([batchOf(["x"], "3")]))).toEqual([["d0"]]);
	});

	it("deduplicates within each task only with scope: task", async () => {
		const stage = new ExactDuplicateFilter({ scope: "task" });
		const out = await stage.processBatch([batchOf(["x", "x"], "1"), batchOf(["x"], "2")]);
		expect(ids(out)).toEqual([["d0"], ["d0"]]);
	});

	it("looks up hashes computed upstream by NormalizedTextHasher, and drops their column", async () => {
		const batches = () => [batchOf(["x", "y", "X "], "f_0_2"), batchOf(["y", "z"], "f_0_10")];
		const hasher = new NormalizedTextHasher();
		const hashed = await hasher.processBatch(batches());
		expect((hashed[0] as DocumentBatch).data[DEFAULT_HASH_FIELD]).toEqual(
			["x", "y", "X "].map(normalizedHash),
		);
		const withHashes = rebuild(new ExactDuplicateFilter({ hashField: DEFAULT_HASH_FIELD }));
		expect(withHashes.inputs()).toEqual({ data: [DEFAULT_HASH_FIELD] });
		withHashes.setup();
		const out = await withHashes.processBatch(hashed as DocumentBatch[]);
		const plain = new ExactDuplicateFilter();
		plain.setup();
		expect(ids(out)).toEqual(ids(await plain.processBatch(batches())));
		expect(ids(out)).toEqual([["d0", "d1"], ["d1"]]);
		for (const batch of out) {
			expect((batch as DocumentBatch).columnNames).not.toContain(DEFAULT_HASH_FIELD);
		}
	});
});
