import { describe, expect, it } from "vitest";
import {
	BaseStageAdapter,
	createNamedAdapter,
	type Logger,
	ProcessingStage,
	StageError,
	type StageOutput,
	silentLogger,
} from "../src/index.ts";
import {
	DoubleStage,
	DropOddStage,
	type NumberTask,
	numbers,
	SplitStage,
	ThrowStage,
} from "./fixtures.ts";

const worker = { workerId: "w-1", allocation: { cpus: 1, gpus: [] } };

function withIds(tasks: NumberTask[], prefix = "0"): NumberTask[] {
	tasks.forEach((t, i) => {
		t.taskId = `${prefix}_${i}`;
	});
	return tasks;
}

class Lifecycle extends ProcessingStage<NumberTask, NumberTask> {
	calls: string[] = [];
	override setupOnNode(): void {
		this.calls.push("setupOnNode");
	}
	override setup(): void {
		this.calls.push("setup");
	}
	override teardown(): void {
		this.calls.push("teardown");
	}
	override process(task: NumberTask): NumberTask {
		return task;
	}
}

class NeedsField extends ProcessingStage<NumberTask, NumberTask> {
	override inputs() {
		return { task: ["datasetName"], data: ["text"] };
	}
	override process(task: NumberTask): StageOutput<NumberTask> {
		return task;
	}
}

describe("BaseStageAdapter", () => {
	it("appends one perf record per output, with consumed custom metrics", async () => {
		const adapter = new BaseStageAdapter(new DoubleStage());
		const inputs = withIds(numbers([1, 2], [3]));
		inputs[0]!.stagePerf = [{ ...(await earlierPerf()) }];
		const { tasks, perf } = await adapter.processBatchWithStats(inputs, { inputSizeBytes: 64 });
		expect(tasks.map((t) => t.taskId)).toEqual(["0_0_0", "0_1_0"]);
		expect(tasks[0]!.stagePerf.map((p) => p.stageName)).toEqual(["Earlier", "DoubleStage"]);
		expect(tasks[1]!.stagePerf.map((p) => p.stageName)).toEqual(["DoubleStage"]);
		expect(perf).toMatchObject({
			stageName: "DoubleStage",
			batchId: "0_0",
			numItemsProcessed: 3,
			numTasksProcessed: 2,
			inputSizeBytes: 64,
			customMetrics: { doubled: 3 },
		});
		const second = await adapter.processBatchWithStats(withIds(numbers([5]), "1"));
		expect(second.perf.customMetrics).toEqual({ doubled: 1 });
	});

	it("gives outputs with equal earlier histories one read-only history", async () => {
		const adapter = new BaseStageAdapter(new DoubleStage());
		const earlier = await earlierPerf();
		const inputs = withIds(numbers([1], [2], [3], [4]));
		// Equal records in separate arrays count as one history; a different record does not.
		inputs[0]!.stagePerf = [earlier];
		inputs[1]!.stagePerf = [earlier];
		inputs[2]!.stagePerf = [{ ...earlier }];
		const { tasks } = await adapter.processBatchWithStats(inputs);
		const [a, b, c, d] = tasks.map((task) => task.stagePerf);
		expect(a).toBe(b);
		expect(c).not.toBe(b);
		expect(d).not.toBe(c);
		expect(d?.map((p) => p.stageName)).toEqual(["DoubleStage"]);
		expect(inputs[0]!.stagePerf).toEqual([earlier]);
		expect(tasks.every((task) => Object.isFrozen(task.stagePerf))).toBe(true);
		expect(() => (a as unknown[]).push(earlier)).toThrow(TypeError);
	});

	it("drops filtered results and fans out", async () => {
		const dropped = await new BaseStageAdapter(new DropOddStage()).processBatch(
			withIds(numbers([1], [2], [3])),
		);
		expect(dropped.map((t) => t.taskId)).toEqual(["0_1_0"]);
		const split = await new BaseStageAdapter(new SplitStage()).processBatch(
			withIds(numbers([7, 8])),
		);
		expect(split.map((t) => [t.taskId, t.data])).toEqual([
			["0_0_0", [7]],
			["0_0_1", [8]],
		]);
	});

	it("names the stage, the task ids and the worker when the stage throws", async () => {
		expect.assertions(4);
		const adapter = new BaseStageAdapter(new ThrowStage());
		await adapter.setup(worker);
		try {
			await adapter.processBatch(withIds(numbers([1], [2])));
		} catch (error) {
			expect(error).toBeInstanceOf(StageError);
			const e = error as StageError;
			expect(e.stage).toBe("ThrowStage");
			expect(e.taskIds).toEqual(["0_0", "0_1"]);
			expect(e.message).toBe('stage "ThrowStage" failed on tasks [0_0, 0_1], worker w-1: boom');
		}
	});

	it("fails a batch whose process() returns undefined (a missing return), naming the stage", async () => {
		class ForgetsReturn extends ProcessingStage<NumberTask, NumberTask> {
			override process(task: NumberTask): StageOutput<NumberTask> {
				if (task.data[0] === 2) return undefined as never;
				return task;
			}
		}
		const adapter = new BaseStageAdapter(new ForgetsReturn());
		await adapter.setup(worker);
		const failure = adapter.processBatch(withIds(numbers([1], [2], [3])));
		await expect(failure).rejects.toBeInstanceOf(StageError);
		await expect(failure).rejects.toMatchObject({ stage: "ForgetsReturn" });
		await expect(failure).rejects.toThrow(
			/stage "ForgetsReturn" returned undefined for input task 0_1 \(result 1\): return null to filter/,
		);
	});

	it("fails a processBatch() override whose array has a hole", async () => {
		class Holes extends ProcessingStage<NumberTask, NumberTask> {
			override process(task: NumberTask): NumberTask {
				return task;
			}
			override async processBatch(tasks: NumberTask[]): Promise<StageOutput<NumberTask>[]> {
				const out = new Array<StageOutput<NumberTask>>(tasks.length);
				out[0] = tasks[0] as NumberTask;
				return out;
			}
		}
		await expect(
			new BaseStageAdapter(new Holes()).processBatch(withIds(numbers([1], [2]))),
		).rejects.toThrow(/stage "Holes" returned undefined for input task 0_1/);
	});

	it("rejects input tasks missing declared inputs", async () => {
		const adapter = new BaseStageAdapter(new NeedsField());
		await expect(adapter.processBatch(withIds(numbers([1])))).rejects.toThrow(
			/stage "NeedsField" failed on tasks \[0_0\]: invalid input task \(missing data.text\)/,
		);
	});

	it("gives the stage its logger, which is silent until then and never a field", () => {
		const stage = new DoubleStage();
		expect(() => stage.logger.warn("dropped")).not.toThrow();
		const lines: string[] = [];
		const logger = { ...silentLogger, warn: (message: unknown) => lines.push(String(message)) };
		new BaseStageAdapter(stage).useLogger(logger as Logger);
		stage.logger.warn("seen");
		expect(lines).toEqual(["seen"]);
		expect(Object.keys(stage)).not.toContain("logger");
		expect(stage.with({ name: "Copy" }).logger).toBe(silentLogger);
	});

	it("delegates the lifecycle to the stage", async () => {
		const stage = new Lifecycle();
		const adapter = new BaseStageAdapter(stage);
		await adapter.setupOnNode({ nodeId: "n" }, worker);
		await adapter.setup(worker);
		await adapter.teardown();
		expect(stage.calls).toEqual(["setupOnNode", "setup", "teardown"]);
	});
});

describe("createNamedAdapter", () => {
	it("returns an instance of the adapter class named after the stage class", () => {
		class CustomAdapter extends BaseStageAdapter {}
		const adapter = createNamedAdapter(new DoubleStage({ name: "renamed" }), CustomAdapter);
		expect(adapter).toBeInstanceOf(CustomAdapter);
		expect(adapter).toBeInstanceOf(BaseStageAdapter);
		expect(adapter.constructor.name).toBe("DoubleStage");
		expect(adapter.stage.name).toBe("renamed");
	});
});

async function earlierPerf() {
	const adapter = new BaseStageAdapter(new DoubleStage({ name: "Earlier" }));
	const { perf } = await adapter.processBatchWithStats(withIds(numbers([0]), "x"));
	return perf;
}
