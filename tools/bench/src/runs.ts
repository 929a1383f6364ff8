import { type BaseExecutor, Pipeline, type ProcessingStage } from "@curator/core";
import { NumberTask } from "./stages/cpu.ts";

/** `count` small tasks carrying 1, 2, 3, ... */
export function numberTasks(count: number): NumberTask[] {
	return Array.from(
		{ length: count },
		(_, i) => new NumberTask({ datasetName: "bench", data: i + 1 }),
	);
}

/** Seconds to run `stage` on `count` number tasks with `executor`; checks every task came out. */
export async function timeRun(
	executor: BaseExecutor,
	stage: ProcessingStage,
	count: number,
): Promise<number> {
	const input = numberTasks(count);
	const start = performance.now();
	const { tasks: out } = await new Pipeline({ name: "bench", stages: [stage] }).run(
		executor,
		input,
	);
	if (out.length !== count) throw new Error(`expected ${count} outputs, got ${out.length}`);
	return (performance.now() - start) / 1000;
}
