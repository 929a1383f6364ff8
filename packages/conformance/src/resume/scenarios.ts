import { join } from "node:path";
import type { ProcessingStage } from "@curator/core";
import { JsonlWriter } from "@curator/text";
import {
	BarrierProbeStage,
	GenerateStage,
	MultiplyStage,
	PoisonedStage,
	SplitStage,
} from "../fixtures/index.ts";
import { TaskRowsStage } from "../fixtures/output.ts";

/** The pipelines of the resume cases, by name. */
export const scenarioNames = ["barrier", "linear", "poisoned"] as const;

/** One of {@link scenarioNames}. */
export type ScenarioName = (typeof scenarioNames)[number];

/** Partitions (source outputs) of every scenario: `part-0` ... `part-5`. */
export const partitionCount = 6;

/** Tasks each partition fans out to (`SplitStage`), so files the writer writes per partition. */
export const fanOut = 3;

/** The partition the `poisoned` scenario's `PoisonedStage` throws on while its marker exists. */
export const poisonedPartition = "part-4";

/** The case folder's layout: the output folder, the checkpoint and the poison marker. */
export function caseFolders(dir: string): { out: string; checkpoint: string; marker: string } {
	return {
		out: join(dir, "out"),
		checkpoint: join(dir, "checkpoint"),
		marker: join(dir, "poison"),
	};
}

/**
 * The stages of scenario `name`, writing into `dir`'s output folder. Each
 * starts with a source of {@link partitionCount} partitions of three numbers
 * and a fan-out to one task per number (`SplitStage`, the stage after the
 * source, which skips settled partitions on resume), and ends in a
 * `JsonlWriter` (one file per task, rows named after their task):
 * - `barrier`: a barrier stage (`BarrierProbeStage`) before the writer,
 *   so a resumed run does every partition again;
 * - `linear`: no barrier, so a resumed run skips the settled partitions;
 * - `poisoned`: `linear` with a `PoisonedStage` after the writer, which
 *   throws on {@link poisonedPartition} while the marker file exists.
 */
export function scenarioStages(name: ScenarioName, dir: string): ProcessingStage[] {
	const { out, marker } = caseFolders(dir);
	const source = [
		new GenerateStage({ count: partitionCount, width: fanOut, keyPrefix: "part" }),
		new SplitStage({ chunk: 1 }),
	];
	const middle = name === "barrier" ? new BarrierProbeStage() : new MultiplyStage({ factor: 10 });
	const stages: ProcessingStage[] = [
		...source,
		middle,
		new TaskRowsStage(),
		new JsonlWriter({ path: out }),
	] as ProcessingStage[];
	if (name === "poisoned") stages.push(new PoisonedStage({ partition: poisonedPartition, marker }));
	return stages;
}
