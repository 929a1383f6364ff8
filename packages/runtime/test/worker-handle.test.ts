import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Logger, type ProcessingStage, silentLogger } from "@curator/core";
import { afterEach, describe, expect, it } from "vitest";
import { encodeStage, encodeTasks, readBatch } from "../src/codec.ts";
import {
	type Isolation,
	WorkerCrashError,
	WorkerHandle,
	WorkerRequestError,
} from "../src/worker-handle.ts";
import {
	CompileCacheStage,
	DangerStage,
	LowerStage,
	ShoutStage,
	WordsTask,
} from "./fixtures/stages.ts";

const handles: WorkerHandle[] = [];
afterEach(async () => {
	for (const handle of handles.splice(0)) handle.kill();
});

function spawn(isolation: Isolation): WorkerHandle {
	const handle = WorkerHandle.spawn({ workerId: "w0", isolation });
	handles.push(handle);
	return handle;
}

function words(...lists: string[][]): WordsTask[] {
	return lists.map((data, i) => {
		const task = new WordsTask({ datasetName: "d", data });
		task.taskId = `0_${i}`;
		return task;
	});
}

const worker = { workerId: "w0", allocation: { cpus: 1, gpus: [] } };

/** A worker host hosting `stages` under their keys (each `init`ed, not set up). */
async function hosting(
	isolation: Isolation,
	stages: Record<string, ProcessingStage>,
): Promise<WorkerHandle> {
	const handle = spawn(isolation);
	for (const [key, stage] of Object.entries(stages)) {
		await handle.request({ type: "init", key, stage: encodeStage(stage), isSource: false });
	}
	return handle;
}

describe.each(["process", "thread"] as const)("worker host in a %s", (isolation) => {
	it("runs the lifecycle and processes batches through a chain of stages", async () => {
		const dir = await mkdtemp(join(tmpdir(), "curator-host-"));
		try {
			const journal = join(dir, "journal");
			const shout = new ShoutStage();
			shout.journal = journal;
			const handle = await hosting(isolation, { a: shout, b: new DangerStage() });
			await handle.request({ type: "setupOnNode", key: "a", node: { nodeId: "n" }, worker });
			await handle.request({ type: "setup", key: "a", worker });
			await handle.request({ type: "setup", key: "b", worker });
			const reply = await handle.request({
				type: "process",
				keys: ["a", "b"],
				payload: encodeTasks(words(["hi", "yo"], ["x"])),
			});
			const out = await readBatch(reply.payload!);
			expect(out.map((t) => [t.taskId, t.data])).toEqual([
				["0_0_0_0", ["HI!", "YO!"]],
				["0_1_0_0", ["X!"]],
			]);
			expect(out[0]?.stagePerf.map((p) => p.stageName)).toEqual(["ShoutStage", "DangerStage"]);
			expect(reply.stats?.map((s) => [s.stage, s.tasksIn, s.tasksOut, s.itemsIn])).toEqual([
				["ShoutStage", 2, 2, 3],
				["DangerStage", 2, 2, 3],
			]);
			expect(reply.stats?.[0]?.perf.customMetrics).toEqual({ words: 3 });
			await handle.request({ type: "teardown", key: "a" });
			const exit = await handle.stop();
			expect(exit.expected).toBe(true);
			expect(await readFile(journal, "utf8")).toBe("setup w0\nteardown\n");
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});

	it("reports a stage error with the stage and task ids, and stays alive", async () => {
		expect.assertions(3);
		const handle = await hosting(isolation, { d: new DangerStage() });
		try {
			await handle.request({
				type: "process",
				keys: ["d"],
				payload: encodeTasks(words(["ok"], ["bad"])),
			});
		} catch (error) {
			expect(error).toBeInstanceOf(WorkerRequestError);
			expect((error as WorkerRequestError).wire).toMatchObject({
				stage: "DangerStage",
				taskIds: ["0_0", "0_1"],
				message: "bad word",
			});
		}
		const reply = await handle.request({
			type: "process",
			keys: ["d"],
			payload: encodeTasks(words(["fine"])),
		});
		expect((await readBatch(reply.payload!)).length).toBe(1);
	});

	it("reports each stage call's input, output and filtered task ids in its stats", async () => {
		const handle = await hosting(isolation, { s: new ShoutStage(), d: new DangerStage() });
		const reply = await handle.request({
			type: "process",
			keys: ["s", "d"],
			payload: encodeTasks(words(["a"], ["b", "c"])),
		});
		expect(reply.stats?.map((s) => [s.stage, s.inputIds, s.outputIds, s.filteredIds])).toEqual([
			["ShoutStage", ["0_0", "0_1"], ["0_0_0", "0_1_0"], []],
			["DangerStage", ["0_0_0", "0_1_0"], ["0_0_0_0", "0_1_0_0"], []],
		]);
	});

	it("sends with a stage error the stats of the chain's calls that finished before it", async () => {
		expect.assertions(2);
		const handle = await hosting(isolation, { l: new LowerStage(), d: new DangerStage() });
		try {
			await handle.request({
				type: "process",
				keys: ["l", "d"],
				payload: encodeTasks(words(["BAD"])),
			});
		} catch (error) {
			const wire = (error as WorkerRequestError).wire;
			expect(wire).toMatchObject({ stage: "DangerStage", taskIds: ["0_0_0"] });
			expect(wire.stats?.map((s) => [s.stage, s.inputIds, s.outputIds])).toEqual([
				["LowerStage", ["0_0"], ["0_0_0"]],
			]);
		}
	});

	it("runs the batches of a multi-batch message one by one: own ids, stats and errors", async () => {
		const handle = await hosting(isolation, { s: new ShoutStage(), d: new DangerStage() });
		const tasks = words(["a"], ["b", "c"], ["bad"], ["d"]);
		const reply = await handle.request({
			type: "process",
			keys: ["d", "s"],
			payload: encodeTasks(tasks),
			batches: [2, 1, 1],
		});
		const out = await readBatch(reply.payload);
		expect(out.map((t) => [t.taskId, t.data])).toEqual([
			["0_0_0_0", ["A!"]],
			["0_1_0_0", ["B!", "C!"]],
			["0_3_0_0", ["D!"]],
		]);
		expect(reply.batches.map((b) => b.outputs)).toEqual([2, 0, 1]);
		expect(reply.batches.map((b) => b.stats.map((s) => [s.stage, s.tasksIn]))).toEqual([
			[
				["DangerStage", 2],
				["ShoutStage", 2],
			],
			[],
			[
				["DangerStage", 1],
				["ShoutStage", 1],
			],
		]);
		expect(reply.batches[1]?.error).toMatchObject({
			stage: "DangerStage",
			taskIds: ["0_2"],
			message: "bad word",
		});
		await expect(
			handle.request({
				type: "process",
				keys: ["s"],
				payload: encodeTasks(tasks),
				batches: [1, 1],
			}),
		).rejects.toThrow(/batches of 2 tasks in all, but the payload holds 4/);
		await expect(
			handle.request({ type: "process", keys: ["s"], payload: encodeTasks(tasks), batches: [-1] }),
		).rejects.toThrow(/batches must be a list of batch sizes/);
		await expect(
			handle.request({
				type: "process",
				keys: ["s"],
				payload: encodeTasks(tasks),
				batches: [4],
				split: true,
			} as never),
		).rejects.toThrow(/batches combines with neither payloads nor split/);
	});

	it("writes large outputs to files in spillDir, and reads inputs from files", async () => {
		const dir = await mkdtemp(join(tmpdir(), "curator-spill-host-"));
		try {
			const handle = await hosting(isolation, { s: new ShoutStage() });
			const long = Array.from({ length: 2000 }, (_, i) => `word${i}`);
			const reply = await handle.request({
				type: "process",
				keys: ["s"],
				payload: encodeTasks(words(long, ["b"])),
				splitAbove: 1000,
				spillDir: dir,
			});
			const files = reply.payloads as string[];
			expect(files.every((file) => typeof file === "string" && file.startsWith(dir))).toBe(true);
			expect(reply.tasks?.map((t) => [t.taskId, t.numItems])).toEqual([
				["0_0_0", 2000],
				["0_1_0", 1],
			]);
			expect(reply.tasks?.[0]?.bytes).toBeGreaterThan(1000);
			const again = await handle.request({ type: "process", keys: ["s"], payloads: files });
			const out = await readBatch(again.payload!);
			expect(out.map((t) => (t.data as string[])[0])).toEqual(["WORD0!!", "B!!"]);
			const small = await handle.request({
				type: "process",
				keys: ["s"],
				payload: encodeTasks(words(["c"])),
				splitAbove: 1000,
				spillDir: dir,
			});
			expect(small.payloads).toBeUndefined();
			await expect(
				handle.request({
					type: "process",
					keys: ["s"],
					payload: encodeTasks(words(["c"])),
					spillDir: dir,
				} as never),
			).rejects.toThrow(/spillDir must be a folder path, given with splitAbove/);
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});

	it("fails a spill write or read with CURATOR_SPILL_FAILED, naming the folder and CURATOR_SPILL_DIR", async () => {
		expect.assertions(6);
		const dir = await mkdtemp(join(tmpdir(), "curator-spill-host-"));
		const gone = join(dir, "removed");
		try {
			const handle = await hosting(isolation, { s: new ShoutStage() });
			const long = Array.from({ length: 2000 }, (_, i) => `word${i}`);
			for (const attempt of [
				handle.request({
					type: "process",
					keys: ["s"],
					payload: encodeTasks(words(long)),
					splitAbove: 1000,
					spillDir: gone,
				}),
				handle.request({ type: "process", keys: ["s"], payloads: [join(gone, "x.task")] }),
			]) {
				try {
					await attempt;
				} catch (error) {
					const wire = (error as WorkerRequestError).wire;
					expect(wire.code).toBe("CURATOR_SPILL_FAILED");
					expect(wire.message).toMatch(
						new RegExp(`^spill folder ${gone}: cannot .*ENOENT.*; set CURATOR_SPILL_DIR`),
					);
					expect(wire.stage).toBeUndefined();
				}
			}
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});

	it("turns a worker that exits mid-batch into a crash error with the exit cause", async () => {
		expect.assertions(3);
		const handle = await hosting(isolation, { d: new DangerStage() });
		try {
			await handle.request({ type: "process", keys: ["d"], payload: encodeTasks(words(["die"])) });
		} catch (error) {
			expect(error).toBeInstanceOf(WorkerCrashError);
			expect((error as WorkerCrashError).exit).toMatchObject({
				code: 7,
				cause: "exit code 7",
				expected: false,
			});
		}
		await expect(handle.request({ type: "shutdown" })).rejects.toBeInstanceOf(WorkerCrashError);
	});

	it("rejects unknown messages, other versions and unknown stages without crashing", async () => {
		const handle = spawn(isolation);
		await expect(handle.request({ type: "explode" } as never)).rejects.toThrow(
			/unknown message type "explode"/,
		);
		await expect(handle.request({ type: "teardown", key: "nope" })).rejects.toThrow(
			/no stage "nope"/,
		);
		await expect(
			handle.request({ type: "process", keys: ["x"], payload: "not bytes" } as never),
		).rejects.toThrow(/payload must be bytes/);
		expect((await handle.stop()).expected).toBe(true);
	});
});

describe.each(["process", "thread"] as const)("stage logger in a %s", (isolation) => {
	it("forwards what a stage logs to the parent's logger, with the stage and the worker", async () => {
		const records: { bindings: object; fields: object; message: string | undefined }[] = [];
		const loggerWith = (bindings: object): Logger => ({
			...silentLogger,
			warn: (fields: object | string, message?: string) => {
				if (typeof fields !== "string") records.push({ bindings, fields, message });
			},
			child: (more) => loggerWith({ ...bindings, ...more }),
		});
		const handle = WorkerHandle.spawn({ workerId: "w7", isolation, logger: loggerWith({}) });
		handles.push(handle);
		const stage = encodeStage(new DangerStage({ name: "Careful" }));
		await handle.request({ type: "init", key: "a", stage, isSource: false });
		await handle.request({ type: "process", keys: ["a"], payload: encodeTasks(words(["warn"])) });
		await handle.stop();
		expect(records).toEqual([
			{
				bindings: { workerId: "w7" },
				fields: { stage: "Careful", word: "warn" },
				message: "a word to warn about",
			},
		]);
	});
});

describe("process title", () => {
	it("a worker process is titled after its stage class", async () => {
		const handle = await hosting("process", { a: new ShoutStage({ name: "loud" }) });
		const title = execFileSync("ps", ["-o", "args=", "-p", String(handle.pid)], {
			encoding: "utf8",
		});
		expect(title.trim()).toBe("curator ShoutStage");
	});
});

describe("V8 settings of a worker", () => {
	/** Runs one batch on a worker and returns the debug messages it logged. */
	async function debugLogOf(isolation: Isolation): Promise<string[]> {
		const messages: string[] = [];
		const logger = {
			debug: (fields: object | string, message?: string) =>
				messages.push(typeof fields === "string" ? fields : (message ?? "")),
			info: () => {},
			warn: () => {},
			error: () => {},
			child: () => logger,
		};
		const handle = WorkerHandle.spawn({ workerId: "w0", isolation, logger });
		handles.push(handle);
		await handle.request({
			type: "init",
			key: "a",
			stage: encodeStage(new ShoutStage()),
			isSource: false,
		});
		await handle.request({ type: "process", keys: ["a"], payload: encodeTasks(words(["hi"])) });
		await handle.request({ type: "process", keys: ["a"], payload: encodeTasks(words(["yo"])) });
		await handle.stop();
		return messages;
	}

	it("a worker process defers Turbofan once, when its first batch arrives", async () => {
		const turbofan = (await debugLogOf("process")).filter((m) => m.includes("Turbofan"));
		expect(turbofan).toEqual(["Turbofan threshold raised to 100000 for this worker"]);
	});

	it("a worker thread leaves V8's settings alone (they are its parent's too)", async () => {
		expect((await debugLogOf("thread")).filter((m) => m.includes("Turbofan"))).toEqual([]);
	});
});

describe("worker host limits", () => {
	it("rejects a payload over the size limit", async () => {
		const handle = WorkerHandle.spawn({
			workerId: "w1",
			isolation: "process",
			maxMessageBytes: 16,
		});
		handles.push(handle);
		await expect(
			handle.request({
				type: "process",
				keys: ["x"],
				payload: encodeTasks(words(["a long enough payload"])),
			}),
		).rejects.toThrow(/over the limit of 16/);
	});

	it("bounds each of several payloads, not their sum (a barrier's input may exceed any bound)", async () => {
		const part = encodeTasks(words(["short"]));
		const big = encodeTasks(words(["a much longer list", "of words", "than the other one"]));
		const handle = WorkerHandle.spawn({
			workerId: "w2",
			isolation: "process",
			maxMessageBytes: part.byteLength + 8,
		});
		handles.push(handle);
		const send = (payloads: Uint8Array[]) =>
			handle.request({ type: "process", keys: ["x"], payloads });
		// Within the bound, so past the size check: refused later, as no stage descriptor allowed its module.
		await expect(send([part, part, part])).rejects.toThrow(
			/not one of the run's registered modules/,
		);
		await expect(send([part, big])).rejects.toThrow(
			new RegExp(`a payload of ${big.byteLength} bytes is over the limit`),
		);
	});
});

describe("worker compile cache", () => {
	const saved = { ...process.env };
	afterEach(() => {
		for (const key of ["NODE_COMPILE_CACHE", "NODE_DISABLE_COMPILE_CACHE"]) {
			if (saved[key] === undefined) delete process.env[key];
			else process.env[key] = saved[key];
		}
	});

	it("gives workers Node's compile cache unless the user chose otherwise", async () => {
		const { compileCacheEnv } = await import("../src/worker-handle.ts");
		delete process.env.NODE_COMPILE_CACHE;
		delete process.env.NODE_DISABLE_COMPILE_CACHE;
		expect(compileCacheEnv()).toEqual({ NODE_COMPILE_CACHE: join(tmpdir(), "node-compile-cache") });
		process.env.NODE_DISABLE_COMPILE_CACHE = "1";
		expect(compileCacheEnv()).toEqual({});
		delete process.env.NODE_DISABLE_COMPILE_CACHE;
		process.env.NODE_COMPILE_CACHE = "/somewhere/else";
		expect(compileCacheEnv()).toEqual({});
	});

	it.each(["process", "thread"] as const)(
		"a worker %s really runs with that compile cache (threads read it from their env too)",
		async (isolation) => {
			const handle = await hosting(isolation, { c: new CompileCacheStage() });
			const reply = await handle.request({
				type: "process",
				keys: ["c"],
				payload: encodeTasks(words(["where"])),
			});
			const [task] = await readBatch(reply.payload!);
			const expected = process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), "node-compile-cache");
			expect(task?.data).toEqual([expect.stringContaining(expected)]);
		},
	);
});
