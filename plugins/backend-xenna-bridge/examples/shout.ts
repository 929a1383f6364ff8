import { type XennaConfig, XennaExecutor } from "@curator/backend-xenna-bridge";
import { Pipeline, ProcessingStage, registerModule, Task } from "@curator/core";

export class LinesTask extends Task<string[]> {
	override get numItems(): number {
		return this.data.length;
	}
}

export class ShoutStage extends ProcessingStage<LinesTask, LinesTask> {
	override process(task: LinesTask): LinesTask {
		const data = task.data.map((line) => `${line.toUpperCase()}!`);
		return new LinesTask({ datasetName: task.datasetName, data });
	}
}

// The Node workers that Ray actors start rebuild stages and tasks from this module, so it
// never runs a pipeline at top level (guard such a run with `if (import.meta.main)`).
registerModule(import.meta.url, { LinesTask, ShoutStage });

/** Shouts `lines` on Ray through Cosmos-Xenna (default: a local cluster, started and stopped). */
export async function shout(lines: string[], config: XennaConfig = {}): Promise<string[]> {
	const stage = new ShoutStage().with({ backend: { xenna: { numWorkers: 1 } } });
	const pipeline = new Pipeline({ name: "shout", stages: [stage] });
	const input = [new LinesTask({ datasetName: "demo", data: lines })];
	const { tasks } = await pipeline.run(
		new XennaExecutor({ executionMode: "streaming", ...config }),
		input,
	);
	return tasks.flatMap((task) => task.data as string[]);
}
