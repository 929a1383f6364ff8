import { ProcessingStage, type StageOutput, Task, type TaskInit } from "../src/index.ts";

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
