import { LocalExecutor } from "@curator/backend-local";
import { Pipeline, ProcessingStage, Task } from "@curator/core";

/** A task carrying lines of text. */
class LinesTask extends Task<string[]> {
	override get numItems(): number {
		return this.data.length;
	}
}

/** Keeps the lines that have at least `minWords` words. */
class MinWordsFilter extends ProcessingStage<LinesTask, LinesTask> {
	minWords = 3;

	override process(task: LinesTask): LinesTask | null {
		const kept = task.data.filter((line) => line.split(/\s+/).length >= this.minWords);
		this.logMetric("dropped", task.data.length - kept.length);
		return kept.length > 0 ? new LinesTask({ datasetName: task.datasetName, data: kept }) : null;
	}
}

const pipeline = new Pipeline({
	name: "quickstart",
	stages: [new MinWordsFilter({ batchSize: 2 })],
});
const input = [
	new LinesTask({
		datasetName: "demo",
		data: ["a short one", "too short", "this line is long enough"],
	}),
	new LinesTask({ datasetName: "demo", data: ["no"] }),
];
const { tasks, summary } = await pipeline.run(new LocalExecutor(), input);
for (const task of tasks) console.log(task.taskId, JSON.stringify(task.data));
console.log(`dropped lines: ${summary.stages[0]?.perf.customMetrics.dropped}`);
