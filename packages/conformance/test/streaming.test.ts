import { describe } from "vitest";
import {
	registerAbortCases,
	registerBatchingCases,
	registerBatchRecordCases,
	registerDeterminismCases,
	registerFilteringCases,
	registerLifecycleCases,
	registerStageErrorCases,
	registerStreamingCases,
} from "../src/index.ts";
import { PipelinedExecutor } from "./fixtures/pipelined-executor.ts";

// A streaming executor (all stages at once, partial batches) passes the
// streaming case, which backend-local skips and a stage-by-stage executor
// cannot pass (see broken-backends.test.ts); and its partial batches still
// give the reference ids. Also shows how to run a subset of the kit.
const factory = () => new PipelinedExecutor();
describe("a streaming executor (subset of the kit)", () => {
	registerStreamingCases(factory);
	registerBatchingCases(factory);
	registerBatchRecordCases(factory);
	registerFilteringCases(factory);
	registerDeterminismCases(factory);
	registerLifecycleCases(factory);
	registerStageErrorCases(factory);
});

// A backend may start with any task (one that prefetches several batches runs whichever is ready
// first): the gate cases count tasks in arrival order, so they hold for newest-first too. With
// gates keyed on the tasks' data, this executor left the abort case waiting at the gate.
describe("an executor that takes the newest tasks first", () => {
	const newestFirst = () => new PipelinedExecutor({ newestFirst: true });
	registerAbortCases(newestFirst);
	registerStreamingCases(newestFirst);
});
