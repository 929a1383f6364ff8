import { describe } from "vitest";
import {
	FailingBatchStage,
	FailingStage,
	FilterStage,
	numbersTasks,
	SplitStage,
} from "../fixtures/index.ts";
import { conformanceKit, type ExecutorFactory } from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";
import { stageErrorTrait } from "../traits/stage-error.ts";

/** Cases "stage errors": the stage-error trait applied to each stage kind and position. */
export function registerStageErrorCases(
	factory: ExecutorFactory,
	options?: ConformanceOptions,
): void {
	const kit = conformanceKit(factory, options);
	describe("stage errors", () => {
		stageErrorTrait(kit, {
			kind: "process() stage as the source",
			stages: () => [new FailingStage({ failOn: 13 })],
			inputs: () => numbersTasks([1], [13], [2]),
			stage: "FailingStage",
			taskId: "0_1",
			failsOn: 13,
		});
		stageErrorTrait(kit, {
			kind: "processBatch() stage after a fan-out",
			stages: () => [
				new SplitStage({ chunk: 1 }),
				new FailingBatchStage({ failOn: 13, batchSize: 2 }),
			],
			inputs: () => numbersTasks([1, 13, 2]),
			stage: "FailingBatchStage",
			taskId: "0_0_1",
			failsOn: 13,
		});
		stageErrorTrait(kit, {
			kind: "sink stage after a filter",
			stages: () => [
				new FilterStage({ modulo: 2, remainder: 1 }),
				new FailingStage({ failOn: 13, name: "FailingSink" }),
			],
			inputs: () => numbersTasks([1], [2], [13]),
			stage: "FailingSink",
			taskId: "0_2_0",
			failsOn: 13,
		});
	});
}
