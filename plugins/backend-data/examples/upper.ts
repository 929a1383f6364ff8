import { DataExecutor, describePlan } from "@curator/backend-data";
import { Pipeline, ProcessingStage, registerModule, Task } from "@curator/core";

export class LineTask extends Task<string> {
	override get numItems(): number {
		return 1;
	}
}

/** Stateless: runs as a pooled task on the shared workers. */
export class UpperStage extends ProcessingStage<LineTask, LineTask> {
	override process(task: LineTask): LineTask {
		return new LineTask({ datasetName: task.datasetName, data: task.data.toUpperCase() });
	}
}

// Workers import this module: it exports its pipeline and never runs it at top level.
registerModule(import.meta.url, { LineTask, UpperStage });

export async function upper(lines: string[]): Promise<string[]> {
	const executor = new DataExecutor({ maxWorkers: 2, maxQueuedBatches: 4 });
	const stages = [new UpperStage({ batchSize: 8 })];
	console.log(describePlan(executor.plan(stages)));
	const inputs = lines.map((data) => new LineTask({ datasetName: "lines", data }));
	const { tasks, failures } = await new Pipeline({ name: "upper", stages }).run(executor, inputs);
	if (failures.length > 0) throw new Error(`${failures.length} batch(es) failed`);
	console.log("source backlog high-water:", executor.metrics?.source.backlogHighWater);
	return tasks.map((task) => String(task.data));
}
