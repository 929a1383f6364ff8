import { BaseExecutor, type ProcessingStage, type Task } from "../../src/index.ts";

/** Counts the runs that reached a backend (on `globalThis`, per thread). */
export class CountingExecutor extends BaseExecutor {
	constructor() {
		super(
			{},
			{
				backend: "counting",
				supports: {
					multiNode: false,
					processIsolation: false,
					abort: false,
					retries: false,
					ignoreFailures: false,
					streaming: false,
				},
			},
		);
	}
	protected override async executeStages(_: ProcessingStage[], tasks: Task[]): Promise<Task[]> {
		const holder = globalThis as { executedRuns?: number };
		holder.executedRuns = (holder.executedRuns ?? 0) + 1;
		return tasks;
	}
}
