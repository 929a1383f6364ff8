import { ProcessingStage, type StageOutput, Task, type TaskInit } from "@curator/core";

export class NumberTask extends Task<number[]> {
	constructor(init: Omit<TaskInit<number[]>, "datasetName">) {
		super({ datasetName: "numbers", ...init });
	}
	override get numItems(): number {
		return this.data.length;
	}
}

export const numbers = (...values: number[][]) => values.map((data) => new NumberTask({ data }));

export class SplitStage extends ProcessingStage<NumberTask, NumberTask> {
	override process(task: NumberTask): NumberTask[] {
		return task.data.map((n) => new NumberTask({ data: [n] }));
	}
}

export class KeepEvenStage extends ProcessingStage<NumberTask, NumberTask> {
	override process(task: NumberTask): StageOutput<NumberTask> {
		return task.data.every((n) => n % 2 === 0) ? task : null;
	}
}

/** Records its lifecycle calls in a shared journal. */
export class JournalStage extends ProcessingStage<NumberTask, NumberTask> {
	journal: string[];
	failOn: number | undefined;
	constructor(journal: string[], failOn?: number) {
		super({ batchSize: 2 });
		this.journal = journal;
		this.failOn = failOn;
	}
	override setupOnNode(): void {
		this.journal.push("setupOnNode");
	}
	override setup(): void {
		this.journal.push("setup");
	}
	override teardown(): void {
		this.journal.push("teardown");
	}
	override process(task: NumberTask): NumberTask {
		if (task.data.includes(this.failOn ?? Number.NaN))
			throw new Error(`cannot take ${this.failOn}`);
		this.journal.push(`process:${task.taskId}`);
		return task;
	}
}
