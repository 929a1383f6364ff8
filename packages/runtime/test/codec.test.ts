import { spawnSync } from "node:child_process";
import { serialize } from "node:v8";
import { CuratorError, Resources, registerModule } from "@curator/core";
import { describe, expect, it } from "vitest";
import {
	decodeStage,
	decodeTasks,
	encodeStage,
	encodeTasks,
	packTasks,
	unpackTasks,
} from "../src/codec.ts";
import { writeTaskPayload } from "../src/payload-format.ts";
import { ColumnKind, isTaskColumns } from "../src/task-columns.ts";
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

	it("asks for registerModule the same way everywhere: in a module of its own, or guarded by import.meta.main", async () => {
		class Loose extends WordsTask {}
		class Socketish {}
		const stage = new ShoutStage() as ShoutStage & { conn?: unknown };
		stage.conn = new Socketish();
		const unknownClass = writeTaskPayload({
			modules: [],
			classes: [{ module: "file:///nowhere/stages.js", export: "Ghost" }],
			tasks: [[0, true, {}]],
		});
		const messages = [
			messageOf(() => encodeStage(new UnregisteredStage())),
			messageOf(() => packTasks([new Loose({ datasetName: "d", data: [] })])),
			messageOf(() => encodeStage(stage)),
			await decodeTasks(unknownClass).then(
				() => "",
				(error: Error) => error.message,
			),
		];
		for (const message of messages) {
			expect(message).toMatch(/registerModule\(import\.meta\.url, \{ \w+ \}\) in its module/);
			expect(message).toContain("keep registered stages and tasks in a module of their own");
			expect(message).toContain("`if (import.meta.main)`");
		}
	});

	it("rejects a field holding a function, naming the stage and the field", () => {
		const stage = new ShoutStage() as ShoutStage & { callback?: () => void };
		stage.callback = () => {};
		expect(() => encodeStage(stage)).toThrow(
			/stage "ShoutStage": field callback cannot travel to a worker: it holds a function/,
		);
	});

	it("rejects a field holding a circular object, naming the stage and the field path", () => {
		const stage = new ShoutStage() as ShoutStage & { config?: unknown; list?: unknown[] };
		const config: Record<string, unknown> = { depth: 1, child: { name: "c" } };
		(config.child as Record<string, unknown>).parent = config;
		stage.config = config;
		expect(() => encodeStage(stage)).toThrow(CuratorError);
		expect(() => encodeStage(stage)).toThrow(
			/^stage "ShoutStage": field config\.child\.parent cannot travel to a worker: it holds a circular reference back to config$/,
		);
		const list: unknown[] = [1];
		list.push({ inner: list });
		const other = new ShoutStage() as ShoutStage & { list?: unknown[] };
		other.list = list;
		expect(() => encodeStage(other)).toThrow(
			/field list\[1\]\.inner cannot travel to a worker: it holds a circular reference back to list$/,
		);
	});

	it("rejects a task holding a circular object, naming the task and the field path", () => {
		const metadata: Record<string, unknown> = {};
		metadata.self = metadata;
		const task = new WordsTask({ datasetName: "d", data: [], metadata });
		task.taskId = "0_4";
		expect(() => packTasks([task])).toThrow(
			/task 0_4: field metadata\.self cannot travel to a worker: it holds a circular reference back to metadata/,
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

describe("the column layout", () => {
	function wordsTasks(count: number): WordsTask[] {
		return Array.from({ length: count }, (_, i) => {
			const task = new WordsTask({ datasetName: "d", data: [`w${i}`], metadata: { i } });
			task.taskId = `0_${i}`;
			return task;
		});
	}

	it("packs same-class, same-shape tasks field by field and rebuilds them equal", async () => {
		const tasks = wordsTasks(3);
		const perfA = { stage: "A", processTime: 1 };
		const perfB = { stage: "B", processTime: 2 };
		tasks.forEach((task, i) => {
			(task as { stagePerf: unknown }).stagePerf = i === 2 ? [perfA] : [perfA, perfB];
		});
		const packed = packTasks(tasks);
		expect(packed.tasks).toEqual([]);
		expect(packed.columns?.keys).not.toContain("stagePerf");
		expect(packed.columns?.perf?.table).toHaveLength(2);
		for (const copies of [
			await unpackTasks(structuredClone(packed)),
			await decodeTasks(encodeTasks(tasks)),
		]) {
			expect(copies.map((copy) => copy instanceof WordsTask)).toEqual([true, true, true]);
			expect(copies.map((copy) => Object.getPrototypeOf(copy) === WordsTask.prototype)).toEqual([
				true,
				true,
				true,
			]);
			expect(copies.map((copy) => copy.constructor)).toEqual([WordsTask, WordsTask, WordsTask]);
			expect(copies.map((copy) => ({ ...copy }))).toEqual(tasks.map((task) => ({ ...task })));
			// Equal histories come back as one read-only array; others stay apart.
			expect(copies[0]?.stagePerf).toBe(copies[1]?.stagePerf);
			expect(copies[1]?.stagePerf).not.toBe(copies[2]?.stagePerf);
			expect(copies.map((copy) => Object.isFrozen(copy.stagePerf))).toEqual([true, true, true]);
		}
	});

	it("sends a value shared by every task once, and rebuilds empty objects one per task", async () => {
		const tasks = wordsTasks(3);
		for (const task of tasks) task.metadata = {};
		const packed = packTasks(tasks);
		const kindOf = (key: string) => packed.columns?.kinds[packed.columns.keys.indexOf(key)];
		expect([kindOf("datasetName"), kindOf("metadata"), kindOf("taskId")]).toEqual([
			ColumnKind.same,
			ColumnKind.emptyObject,
			ColumnKind.perTask,
		]);
		const copies = await unpackTasks(structuredClone(packed));
		expect(copies.map((copy) => [copy.datasetName, copy.metadata, copy.taskId])).toEqual([
			["d", {}, "0_0"],
			["d", {}, "0_1"],
			["d", {}, "0_2"],
		]);
		expect(copies[0]?.metadata).not.toBe(copies[1]?.metadata);
	});

	it("falls back to rows for mixed classes, mixed shapes or fields that need conversion", () => {
		class Other extends WordsTask {}
		registerModule(import.meta.url, { Other });
		const mixedClass = [...wordsTasks(1), new Other({ datasetName: "d", data: [] })];
		const mixedShape = wordsTasks(2);
		(mixedShape[1] as WordsTask & { extra?: number }).extra = 1;
		const converted = wordsTasks(2);
		(converted[0] as WordsTask).metadata = { opts: new Options() };
		for (const tasks of [mixedClass, mixedShape, converted]) {
			const packed = packTasks(tasks);
			expect(packed.columns).toBeUndefined();
			expect(packed.tasks).toHaveLength(2);
		}
	});

	it("keeps a value per task when a field mixes empty objects, filled ones and primitives", async () => {
		const tasks = wordsTasks(4);
		tasks[0]!.metadata = {};
		tasks[1]!.metadata = { kept: 1 };
		tasks[2]!.metadata = {};
		(tasks[3] as { metadata: unknown }).metadata = null;
		(tasks[2] as { datasetName: string }).datasetName = "other";
		const packed = packTasks(tasks);
		const kindOf = (key: string) => packed.columns?.kinds[packed.columns.keys.indexOf(key)];
		expect([kindOf("metadata"), kindOf("datasetName")]).toEqual([
			ColumnKind.perTask,
			ColumnKind.perTask,
		]);
		const copies = await unpackTasks(structuredClone(packed));
		expect(copies.map((copy) => ({ ...copy }))).toEqual(tasks.map((task) => ({ ...task })));
	});

	it("falls back to rows when the same keys come in another order", () => {
		const tasks = wordsTasks(2);
		const { taskId, ...rest } = tasks[1] as WordsTask;
		const reordered = Object.assign(Object.create(WordsTask.prototype), rest, { taskId });
		const packed = packTasks([tasks[0] as WordsTask, reordered]);
		expect(packed.columns).toBeUndefined();
		expect(packed.tasks).toHaveLength(2);
	});

	it("lays columns out as packed arrays, which structured cloning writes densely", () => {
		const packed = packTasks(wordsTasks(50));
		const perTask = (packed.columns?.values ?? []).filter(
			(_, k) => packed.columns?.kinds[k] === ColumnKind.perTask,
		);
		expect(perTask.length).toBeGreaterThan(0);
		// After the 0xff version header, v8 tags a dense array "A" and a sparse (holey) one "a".
		const DENSE_ARRAY_TAG = 0x41;
		const tags = perTask.map((column) => serialize(column)[2]);
		expect(tags).toEqual(perTask.map(() => DENSE_ARRAY_TAG));
	});

	it("never takes -0 for 0 when a field holds one value for every task", async () => {
		for (const [values, kind] of [
			[[0, -0, 0], ColumnKind.perTask],
			[[-0, -0], ColumnKind.same],
		] as const) {
			const tasks = wordsTasks(values.length);
			tasks.forEach((task, i) => {
				(task as { data: unknown }).data = values[i];
			});
			const packed = packTasks(tasks);
			const k = packed.columns?.keys.indexOf("data") ?? -1;
			expect(packed.columns?.kinds[k]).toBe(kind);
			const copies = await unpackTasks(structuredClone(packed));
			const data = copies.map((copy) => (copy as { data: unknown }).data);
			expect(data.every((value, i) => Object.is(value, values[i]))).toBe(true);
		}
	});

	it("sends perf histories once per run of tasks that share them, and checks their shape", async () => {
		const tasks = wordsTasks(5);
		const [a, b] = [{ stage: "A" }, { stage: "B" }];
		const histories = [[a], [a], [a, b], [a, b], [a]];
		tasks.forEach((task, i) => {
			(task as { stagePerf: unknown }).stagePerf = histories[i];
		});
		const { columns } = packTasks(tasks);
		const perf = columns?.perf;
		expect([...(perf?.runStarts ?? [])]).toEqual([0, 2, 4]);
		expect(perf?.table).toEqual([a, b]);
		const copies = await unpackTasks(structuredClone(packTasks(tasks)));
		expect(copies.map((copy) => copy.stagePerf)).toEqual(histories);
		expect(isTaskColumns(columns)).toBe(true);
		const broken = (change: Partial<NonNullable<typeof perf>>) =>
			isTaskColumns({ ...columns, perf: { ...perf, ...change } });
		expect(broken({ runStarts: Uint32Array.of(1, 2, 4) })).toBe(false);
		expect(broken({ runStarts: Uint32Array.of(0, 4, 2) })).toBe(false);
		expect(broken({ runStarts: Uint32Array.of(0, 2, 5) })).toBe(false);
		expect(broken({ indices: Uint32Array.of(0, 0, 2, 0) })).toBe(false);
		expect(broken({ runOffsets: Uint32Array.of(0, 1, 3) })).toBe(false);
	});

	it("gives every task one shared, frozen history when the whole batch has the same", async () => {
		const tasks = wordsTasks(4);
		const history = [{ stage: "A" }, { stage: "B" }];
		for (const task of tasks) (task as { stagePerf: unknown }).stagePerf = [...history];
		const packed = packTasks(tasks);
		expect([...(packed.columns?.perf?.runStarts ?? [])]).toEqual([0]);
		const copies = await unpackTasks(structuredClone(packed));
		expect(copies.map((copy) => copy.stagePerf)).toEqual(tasks.map(() => history));
		expect(new Set(copies.map((copy) => copy.stagePerf)).size).toBe(1);
		expect(Object.isFrozen(copies[0]?.stagePerf)).toBe(true);
		expect(copies.map((copy) => Object.keys(copy))).toEqual(tasks.map((task) => Object.keys(task)));
	});

	it("falls back to rows when tasks carry no perf history array", () => {
		const tasks = wordsTasks(3);
		for (const task of tasks) (task as { stagePerf: unknown }).stagePerf = undefined;
		const packed = packTasks(tasks);
		expect(packed.columns).toBeUndefined();
		expect(packed.tasks).toHaveLength(3);
	});

	it("falls back to rows when a task lacks a field its first sibling has", () => {
		const tasks = wordsTasks(3);
		delete (tasks[2] as Partial<WordsTask>).metadata;
		const packed = packTasks(tasks);
		expect(packed.columns).toBeUndefined();
		expect(packed.tasks).toHaveLength(3);
	});

	it("leaves inherited enumerable keys on the prototype (rows, not own fields)", async () => {
		class Tagged extends WordsTask {}
		(Tagged.prototype as unknown as { tag: string }).tag = "inherited";
		registerModule(import.meta.url, { Tagged });
		const tasks = [0, 1].map((i) => {
			const task = new Tagged({ datasetName: "d", data: [`w${i}`] });
			task.taskId = `0_${i}`;
			return task;
		});
		const packed = packTasks(tasks);
		expect(packed.columns).toBeUndefined();
		const copies = await unpackTasks(structuredClone(packed));
		expect(copies.map((copy) => Object.hasOwn(copy, "tag"))).toEqual([false, false]);
		expect(copies.map((copy) => ({ ...copy }))).toEqual(tasks.map((task) => ({ ...task })));
	});

	it("rebuilds fields whose names are not identifiers, as plain data (never as code)", async () => {
		const names = ['a"b', "back\\slash", "new\nline", '"];globalThis.injected=1;//', "\u2028"];
		// One name per layout, so a name that would break the generated code cannot hide another.
		for (const name of names) {
			const tasks = wordsTasks(3);
			tasks.forEach((task, i) => {
				(task as unknown as Record<string, unknown>)[name] = `${name}${i}`;
			});
			const packed = packTasks(tasks);
			expect(packed.columns?.keys).toContain(name);
			const copies = await unpackTasks(structuredClone(packed));
			expect(copies.map((copy) => ({ ...copy }))).toEqual(tasks.map((task) => ({ ...task })));
		}
		expect((globalThis as { injected?: number }).injected).toBeUndefined();
	});

	it("rebuilds the same tasks where code generation is not allowed", () => {
		// A child Node with string code generation off (as some hosts run it) decodes a packed batch.
		const script = `
			import { packTasks, unpackTasks } from ${JSON.stringify(new URL("../src/codec.ts", import.meta.url).href)};
			import { WordsTask } from ${JSON.stringify(new URL("./fixtures/stages.ts", import.meta.url).href)};
			const tasks = [0, 1, 2].map((i) => {
				const task = new WordsTask({ datasetName: "d", data: ["w" + i] });
				task.taskId = "0_" + i;
				return task;
			});
			const copies = await unpackTasks(structuredClone(packTasks(tasks)));
			const same = copies.every((copy, i) => copy instanceof WordsTask && JSON.stringify(copy) === JSON.stringify(tasks[i]));
			console.log(JSON.stringify({ same, ids: copies.map((copy) => copy.taskId) }));`;
		const child = spawnSync(
			process.execPath,
			["--disallow-code-generation-from-strings", "--input-type=module", "-e", script],
			{ encoding: "utf8", timeout: 30_000 },
		);
		expect(child.stderr).toBe("");
		expect(JSON.parse(child.stdout)).toEqual({ same: true, ids: ["0_0", "0_1", "0_2"] });
	});

	it("rebuilds tasks into a packed array, the kind a worker's other task arrays have", () => {
		// A holey array here made a fresh worker's code deoptimise and compile again.
		const script = `
			import { packTasks, unpackTasks } from ${JSON.stringify(new URL("../src/codec.ts", import.meta.url).href)};
			import { WordsTask } from ${JSON.stringify(new URL("./fixtures/stages.ts", import.meta.url).href)};
			const tasks = [0, 1, 2].map((i) => new WordsTask({ datasetName: "d", data: ["w" + i] }));
			const copies = await unpackTasks(structuredClone(packTasks(tasks)));
			console.log(JSON.stringify({ packed: %HasFastPackedElements(copies), count: copies.length }));`;
		const child = spawnSync(
			process.execPath,
			["--allow-natives-syntax", "--input-type=module", "-e", script],
			{ encoding: "utf8", timeout: 30_000 },
		);
		expect(child.stderr).toBe("");
		expect(JSON.parse(child.stdout)).toEqual({ packed: true, count: 3 });
	});

	it("still names the task and field that cannot travel", () => {
		const tasks = wordsTasks(2);
		(tasks[1] as WordsTask).metadata = { cb: () => 1 };
		expect(() => packTasks(tasks)).toThrow(/task 0_1: field metadata\.cb cannot travel/);
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

function messageOf(fn: () => unknown): string {
	try {
		fn();
	} catch (error) {
		return (error as Error).message;
	}
	return "";
}
