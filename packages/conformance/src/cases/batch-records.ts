import {
	type BatchRecord,
	ledgerProblems,
	type PipelineStage,
	type RunResult,
} from "@curator/core";
import { describe, type ExpectStatic } from "vitest";
import { batchRecordProblems, stageIdLedgers } from "../batch-records.ts";
import { expectReferenceOutputs } from "../expectations.ts";
import { FilterStage, numbersTasks, PairBatchStage, SplitStage } from "../fixtures/index.ts";
import { type ConformanceKit, conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/**
 * Cases "batch records": the run observer (`RunOptions.observer`) gets a
 * record of every batch, on every backend. Per stage, the records' input ids
 * are the stage's input ids, each once; each input produced outputs whose
 * ids descend from it, or is filtered, or failed; and the per-stage ledgers
 * (inputs, outputs, filtered, failed) equal the reference executor's, and
 * so does the run's ledger (`RunSummary.ledger`), every task settled.
 */
export function registerBatchRecordCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	describe("batch records", () => {
		kit.test(
			"every batch is recorded with its input, output and filtered task ids, as on the reference",
			async (expect) => {
				// Split fans out, PairBatch filters odd sums and fans out multiples of 4, Filter drops more.
				await expectSameLedgers(kit, expect, () => [
					new SplitStage({ chunk: 1, batchSize: 2 }),
					new PairBatchStage({ batchSize: 3 }),
					new FilterStage({ modulo: 3, remainder: 0 }),
				]);
			},
		);
	});
}

async function expectSameLedgers(
	kit: ConformanceKit,
	expect: ExpectStatic,
	stages: () => PipelineStage[],
): Promise<void> {
	const records: BatchRecord[] = [];
	const expected: BatchRecord[] = [];
	const inputs = () => numbersTasks([1, 2], [3], [4, 5, 6], [8], [7, 9, 10, 12]);
	const result: RunResult = await expectReferenceOutputs(kit, expect, {
		stages,
		inputs,
		observer: { onBatch: (record) => records.push(record) },
	});
	const reference = await kit.reference(stages(), inputs(), {
		observer: { onBatch: (record) => expected.push(record) },
	});
	expect(ledgerProblems(result.summary.ledger), "the run's ledger").toEqual([]);
	expect(result.summary.ledger, "the run's ledger against the reference run").toEqual(
		reference.summary.ledger,
	);
	expect(batchRecordProblems(records), "problems in the batch records").toEqual([]);
	expect(stageIdLedgers(records), "per-stage ledgers against the reference run").toEqual(
		stageIdLedgers(expected),
	);
	const last = stageIdLedgers(records).FilterStage?.outputIds ?? [];
	expect(last, "the last stage's output ids are the run's").toEqual(
		result.tasks.map((task) => task.taskId).sort(),
	);
}
