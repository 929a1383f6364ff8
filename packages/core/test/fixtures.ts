import {
	BaseExecutor,
	type ExecutionContext,
	type ExecutorConfig,
	ProcessingStage,
	type RunEvent,
	runStagesInProcess,
	type StageOutput,
	Task,
	type TaskInit,
} from "../src/index.ts";

export class NumberTask extends Task<number[]> {
	constructor(init: Omit<TaskInit<number[]>, "datasetName"> & { datasetName?: string }) {
		super({ datasetName: "numbers", ...init });
	}
	override get numItems(): number {
		return this.data.length;
	}
}

export class KeyedTask extends NumberTask {
	key = "";
	override deterministicId(): string | undefined {
		return this.key === "" ? undefined : `k-${this.key}`;
	}
}

export function numbers(...values: number[][]): NumberTask[] {
	return values.map((data) => new NumberTask({ data }));
}

export class DoubleStage extends ProcessingStage<NumberTask, NumberTask> {
	override process(task: NumberTask): NumberTask {
		this.logMetric("doubled", task.data.length);
		return new NumberTask({ data: task.data.map((n) => n * 2) });
	}
}

export class SplitStage extends ProcessingStage<NumberTask, NumberTask> {
	override process(task: NumberTask): NumberTask[] {
		return task.data.map((n) => new NumberTask({ data: [n] }));
	}
}

export class DropOddStage extends ProcessingStage<NumberTask, NumberTask> {
	override process(task: NumberTask): StageOutput<NumberTask> {
		return task.data.every((n) => n % 2 === 0) ? task : null;
	}
}

export class ThrowStage extends ProcessingStage<NumberTask, NumberTask> {
	message = "boom";
	override process(): NumberTask {
		throw new Error(this.message);
	}
}

export interface LoopConfig extends ExecutorConfig {
	ignoreFailures?: boolean;
}

/** A minimal in-process backend: core's stage loop behind `executeStages`. */
export class LoopExecutor extends BaseExecutor<LoopConfig> {
	/** When set, every event goes through it on its way out (a test's broken backend alters them). */
	relay: ((event: RunEvent, emit: (event: RunEvent) => void) => void) | undefined;
	/** Runs once the stages finished, before the run's commit. */
	afterStages: () => void = () => {};

	constructor(config: LoopConfig = {}) {
		const supports = {
			multiNode: false,
			processIsolation: false,
			abort: true,
			retries: false,
			ignoreFailures: true,
			streaming: false,
		};
		super(config, { backend: "loop", supports });
	}

	protected override async executeStages(
		stages: ProcessingStage[],
		initialTasks: Task[],
		context: ExecutionContext,
	): Promise<Task[]> {
		const { relay } = this;
		const relayed: ExecutionContext =
			relay === undefined
				? context
				: { ...context, emit: (event) => relay(event, (e) => context.emit(e)) };
		const out = await runStagesInProcess(stages, initialTasks, relayed, {
			ignoreFailures: this.config.ignoreFailures ?? false,
		});
		this.afterStages();
		return out;
	}
}
