import { Resources } from "@curator/core";
import { describe, expect, it } from "vitest";
import {
	decodeStage,
	decodeTasks,
	encodeStage,
	encodeTasks,
	packTasks,
	unpackTasks,
} from "../src/index.ts";
import { Options, ShoutStage, UnregisteredStage, WordsTask } from "./fixtures/stages.ts";

describe("stage and task codec", () => {
	it("rebuilds a stage from class and fields, without its constructor", async () => {
		const stage = new ShoutStage({ batchSize: 4, resources: { cpus: 2 } });
		stage.options.suffix = "?";
		const copy = (await decodeStage(encodeStage(stage))) as ShoutStage;
		expect(copy).toBeInstanceOf(ShoutStage);
		expect(copy).not.toBe(stage);
		expect(copy.options).toBeInstanceOf(Options);
		expect(copy.resources).toBeInstanceOf(Resources);
		expect([copy.name, copy.batchSize, copy.resources.cpus, copy.options.suffix]).toEqual([
			"ShoutStage",
			4,
			2,
			"?",
		]);
	});

	it("round-trips tasks with class, id and perf history", async () => {
		const task = new WordsTask({ datasetName: "d", data: ["a"], metadata: { source: "x" } });
		task.taskId = "0_1";
		const [copy] = await decodeTasks(encodeTasks([task]));
		expect(copy).toBeInstanceOf(WordsTask);
		expect(copy).toMatchObject({
			taskId: "0_1",
			datasetName: "d",
			data: ["a"],
			metadata: { source: "x" },
		});
		expect(copy?.numItems).toBe(1);
	});

	it("rebuilds registered class instances nested in task data, in both batch forms", async () => {
		const task = new WordsTask({
			datasetName: "d",
			data: ["a"],
			metadata: { opts: [new Options()] },
		});
		task.taskId = "0_2";
		const packed = packTasks([task]);
		expect((task.metadata.opts as Options[])[0]).toBeInstanceOf(Options);
		for (const copy of [
			(await unpackTasks(structuredClone(packed)))[0],
			(await decodeTasks(encodeTasks([task])))[0],
		]) {
			expect(copy?.taskId).toBe("0_2");
			expect((copy!.metadata.opts as Options[])[0]).toBeInstanceOf(Options);
		}
	});

	it("keeps plain task data as is when packing (no copy needed)", () => {
		const data = ["x", "y"];
		const task = new WordsTask({ datasetName: "d", data });
		const [packed] = packTasks([task]).tasks as [number, boolean, { data: unknown }][];
		expect(packed?.[1]).toBe(true);
		expect(packed?.[2].data).toBe(data);
	});

	it("rejects a task of an unregistered class and a task holding a function", () => {
		class Loose extends WordsTask {}
		expect(() => packTasks([new Loose({ datasetName: "d", data: [] })])).toThrow(
			/class Loose is not registered/,
		);
		const task = new WordsTask({ datasetName: "d", data: [], metadata: { cb: () => 1 } });
		task.taskId = "0_9";
		expect(() => packTasks([task])).toThrow(
			/task 0_9: field metadata\.cb cannot travel.*a function/,
		);
	});

	it("rejects an unregistered stage class, naming the stage", () => {
		expect(() => encodeStage(new UnregisteredStage())).toThrow(
			/stage "UnregisteredStage" cannot travel to a worker: its class UnregisteredStage is not registered/,
		);
	});

	it("rejects a field holding a function, naming the stage and the field", () => {
		const stage = new ShoutStage() as ShoutStage & { callback?: () => void };
		stage.callback = () => {};
		expect(() => encodeStage(stage)).toThrow(
			/stage "ShoutStage": field callback cannot travel to a worker: it holds a function/,
		);
	});

	it("rejects a nested instance of an unregistered class, naming its path", () => {
		class Socketish {
			fd = 3;
		}
		const stage = new ShoutStage() as ShoutStage & { conn?: unknown };
		stage.conn = { inner: [new Socketish()] };
		expect(() => encodeStage(stage)).toThrow(
			/field conn\.inner\[0\] cannot travel.*instance of Socketish/,
		);
	});
});

describe("the root task", () => {
	it("travels like any task", async () => {
		const { EmptyTask } = await import("@curator/core");
		const [copy] = await decodeTasks(encodeTasks([new EmptyTask()]));
		expect(copy).toBeInstanceOf(EmptyTask);
		expect(copy?.taskId).toBe("0");
	});
});
