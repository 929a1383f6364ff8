import { describe, expect, it } from "vitest";
import {
	consumeStageMetrics,
	hasCustomSetup,
	isProcessingStage,
	ProcessingStage,
	Resources,
} from "../src/index.ts";
import { DoubleStage, type NumberTask, numbers } from "./fixtures.ts";

class SetupStage extends ProcessingStage<NumberTask, NumberTask> {
	override setup(): void {}
	override process(task: NumberTask): NumberTask {
		return task;
	}
}

describe("ProcessingStage", () => {
	it("defaults its name to the class name", () => {
		const stage = new DoubleStage();
		expect(stage.name).toBe("DoubleStage");
		expect(stage.batchSize).toBe(1);
		expect(stage.resources).toBeInstanceOf(Resources);
	});

	it("with() returns a reconfigured copy of the same class", () => {
		const stage = new DoubleStage({ batchSize: 2 });
		const copy = stage.with({ name: "Twice", batchSize: 8, resources: { cpus: 2 } });
		expect(copy).toBeInstanceOf(DoubleStage);
		expect(copy).not.toBe(stage);
		expect([copy.name, copy.batchSize, copy.resources.cpus]).toEqual(["Twice", 8, 2]);
		expect([stage.name, stage.batchSize, stage.resources.cpus]).toEqual(["DoubleStage", 2, 1]);
		expect(() => stage.with({ resources: { cpus: -1 } })).toThrow(/cpus/);
	});

	it("collects custom metrics per call and clears them when consumed", async () => {
		const stage = new DoubleStage();
		await stage.processBatch(numbers([1, 2], [3]));
		const value = await stage.timeMetric("wait", () => 7);
		expect(value).toBe(7);
		const metrics = consumeStageMetrics(stage);
		expect(metrics.doubled).toBe(3);
		expect(metrics.wait).toBeGreaterThanOrEqual(0);
		expect(consumeStageMetrics(stage)).toEqual({});
	});

	it("metrics are not part of the stage's travelling fields", () => {
		const stage = new DoubleStage();
		stage.logMetric("x", 1);
		expect(Object.keys(stage)).toEqual(["name", "resources", "batchSize", "role", "backend"]);
	});

	it("runs a synchronous process() on every task before processBatch yields, and awaits an async one", async () => {
		const seen: number[] = [];
		class SyncStage extends ProcessingStage<NumberTask, NumberTask> {
			override process(task: NumberTask): NumberTask {
				seen.push(task.data[0] as number);
				return task;
			}
		}
		const pending = new SyncStage().processBatch(numbers([1], [2], [3]));
		expect(seen).toEqual([1, 2, 3]);
		expect((await pending).map((task) => (task as NumberTask).data)).toEqual([[1], [2], [3]]);
		const order: string[] = [];
		class AsyncStage extends ProcessingStage<NumberTask, NumberTask> {
			override async process(task: NumberTask): Promise<NumberTask> {
				order.push(`start ${task.data[0]}`);
				await new Promise((resolve) => setImmediate(resolve));
				order.push(`end ${task.data[0]}`);
				return task;
			}
		}
		await new AsyncStage().processBatch(numbers([1], [2]));
		expect(order).toEqual(["start 1", "end 1", "start 2", "end 2"]);
	});

	it("knows which stages define setup", () => {
		expect(hasCustomSetup(new SetupStage())).toBe(true);
		expect(hasCustomSetup(new DoubleStage())).toBe(false);
	});

	it("recognizes stages, also rebuilt without the constructor", () => {
		const rebuilt = Object.assign(Object.create(DoubleStage.prototype), { name: "x" });
		expect(isProcessingStage(rebuilt)).toBe(true);
		expect(isProcessingStage({ process() {} })).toBe(false);
		expect(isProcessingStage(null)).toBe(false);
	});
});
