import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { MultiplyStage, type NumbersTask, numbersTask } from "@curator/conformance/fixtures";
import { decodeTasks, encodeStage, encodeTasks } from "@curator/runtime/codec";
import { Packr } from "msgpackr";
import { afterEach, describe, expect, it } from "vitest";
import { Dealer } from "zeromq";
import { workerHostEntry } from "../src/executor.ts";
import { TopLevelStage } from "./fixtures/top-level-run.ts";

const hostEntry = fileURLToPath(new URL("../src/worker-host.ts", import.meta.url));
const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const session = "s3cret-session";
const cleanups: (() => void)[] = [];
const tripler = new MultiplyStage({ factor: 3 });

/** A task with its id set, as the actor sends it. */
function numbered(data: number[], taskId: string): NumbersTask {
	const task = numbersTask(data);
	task.taskId = taskId;
	return task;
}

afterEach(() => {
	for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Plays the part of a Python stage actor: binds, starts a Node worker host, talks msgpack frames. */
async function startHost(): Promise<{ socket: Dealer; child: ChildProcess }> {
	const socket = new Dealer({ linger: 0 });
	await socket.bind("tcp://127.0.0.1:*");
	const child = spawn(process.execPath, [hostEntry, "--zmq", socket.lastEndpoint as string], {
		env: { ...process.env, CURATOR_SESSION_KEY: session },
		stdio: ["ignore", "inherit", "inherit"],
	});
	cleanups.push(() => {
		child.kill("SIGKILL");
		socket.close();
	});
	return { socket, child };
}

async function call(
	socket: Dealer,
	envelope: Record<string, unknown>,
	body?: Uint8Array | Uint8Array[],
	logs: string[] = [],
) {
	const frames: Uint8Array[] = [packr.pack({ v: 1, session, ...envelope })];
	if (Array.isArray(body)) frames.push(...body);
	else if (body !== undefined) frames.push(body);
	await socket.send(frames);
	for (;;) {
		const [head, payload, ...more] = await socket.receive();
		const reply = packr.unpack(head as Buffer) as Record<string, unknown>;
		if (reply.type !== "log") return { reply, payload, frames: [payload, ...more] };
		logs.push(String(reply.message));
	}
}

describe("worker host over ZeroMQ", () => {
	it("is this package's built entry: the one the actors start (ZeroMQ comes with the bridge)", () => {
		const built = fileURLToPath(new URL("../dist/worker-host.js", import.meta.url));
		expect(workerHostEntry()).toBe(built);
	});

	it("serves init, setup and process with opaque byte payloads", async () => {
		const { socket } = await startHost();
		const init = await call(
			socket,
			{ id: 1, type: "init", key: "0", isSource: false },
			encodeStage(tripler),
		);
		expect(init.reply).toMatchObject({ type: "ok", id: 1, session });
		const worker = { workerId: "actor-1", allocation: { cpus: 1, gpus: [] } };
		expect((await call(socket, { id: 2, type: "setup", key: "0", worker })).reply.type).toBe("ok");
		const task = numbered([1, 2], "0_0");
		const { reply, payload } = await call(
			socket,
			{ id: 3, type: "process", keys: ["0"] },
			encodeTasks([task]),
		);
		expect(reply).toMatchObject({ type: "ok", id: 3 });
		expect((reply.stats as { stage: string }[])[0]?.stage).toBe("MultiplyStage");
		const [out] = await decodeTasks(new Uint8Array(payload as Buffer));
		expect([out?.taskId, out?.data]).toEqual(["0_0_0", [3, 6]]);
	});

	it("defers Turbofan when its first batch arrives (it is a process of its own)", async () => {
		const { socket } = await startHost();
		const logs: string[] = [];
		await call(
			socket,
			{ id: 1, type: "init", key: "0", isSource: false },
			encodeStage(tripler),
			logs,
		);
		expect(logs.filter((message) => message.includes("Turbofan"))).toEqual([]);
		const task = numbered([1], "0_0");
		for (const id of [2, 3]) {
			await call(socket, { id, type: "process", keys: ["0"] }, encodeTasks([task]), logs);
		}
		expect(logs.filter((message) => message.includes("Turbofan"))).toEqual([
			"Turbofan threshold raised to 100000 for this worker",
		]);
	});

	it("takes several payload frames as one batch and splits the reply per task", async () => {
		const { socket } = await startHost();
		await call(socket, { id: 1, type: "init", key: "0", isSource: false }, encodeStage(tripler));
		const worker = { workerId: "actor-1", allocation: { cpus: 1, gpus: [] } };
		await call(socket, { id: 2, type: "setup", key: "0", worker });
		const parts = [1, 2].map((n, index) => encodeTasks([numbered([n, n], `0_${index}`)]));
		const { reply, frames } = await call(
			socket,
			{ id: 3, type: "process", keys: ["0"], split: true, parts: 2 },
			parts,
		);
		expect(reply).toMatchObject({
			type: "ok",
			parts: 2,
			tasks: [
				{ taskId: "0_0_0", numItems: 2 },
				{ taskId: "0_1_0", numItems: 2 },
			],
		});
		expect((reply.stats as { tasksIn: number }[])[0]?.tasksIn).toBe(2);
		const decoded = await Promise.all(
			frames.map(async (frame) => (await decodeTasks(new Uint8Array(frame as Buffer)))[0]?.data),
		);
		expect(decoded).toEqual([
			[3, 3],
			[6, 6],
		]);
		// A frame count that differs from `parts` is malformed: dropped, never run.
		await socket.send([
			packr.pack({ v: 1, session, id: 4, type: "process", keys: ["0"], parts: 3 }),
			...parts,
		]);
		const next = await call(socket, { id: 5, type: "teardown", key: "0" });
		expect(next.reply).toMatchObject({ type: "ok", id: 5 });
	});

	it("rejects a wrong session key and unknown types, and keeps serving", async () => {
		const { socket } = await startHost();
		const wrong = packr.pack({ v: 1, session: "guess", id: 7, type: "shutdown" });
		await socket.send([wrong]);
		const [head] = await socket.receive();
		expect(packr.unpack(head as Buffer)).toMatchObject({
			type: "error",
			id: 7,
			error: { message: "wrong session key" },
		});
		expect((await call(socket, { id: 8, type: "launch" })).reply).toMatchObject({
			type: "error",
			error: { message: 'unknown message type "launch"' },
		});
		await socket.send([Buffer.from([0xc1])]);
		expect((await call(socket, { id: 9, type: "teardown", key: "none" })).reply.type).toBe("error");
	});

	it("fails init when the stage module runs its pipeline at top level, then every request, and still exits on shutdown", async () => {
		const { socket, child } = await startHost();
		const module = new URL("./fixtures/top-level-run.ts", import.meta.url).href;
		const init = await call(
			socket,
			{ id: 1, type: "init", key: "0", isSource: false },
			encodeStage(new TopLevelStage()),
		);
		expect(init.reply).toMatchObject({
			type: "error",
			id: 1,
			error: { code: "CURATOR_RUN_IN_WORKER" },
		});
		const message = (init.reply.error as { message: string }).message;
		expect(message).toContain(`a pipeline run was started inside a worker by ${module},`);
		const worker = { workerId: "actor-1", allocation: { cpus: 1, gpus: [] } };
		expect((await call(socket, { id: 2, type: "setup", key: "0", worker })).reply).toMatchObject({
			type: "error",
			error: { code: "CURATOR_RUN_IN_WORKER", message },
		});
		const exited = new Promise<number | null>((resolve) =>
			child.on("exit", (code) => resolve(code)),
		);
		expect((await call(socket, { id: 3, type: "shutdown" })).reply.type).toBe("ok");
		expect(await exited).toBe(0);
	});

	it("exits on shutdown", async () => {
		const { socket, child } = await startHost();
		const exited = new Promise<number | null>((resolve) =>
			child.on("exit", (code) => resolve(code)),
		);
		expect((await call(socket, { id: 1, type: "shutdown" })).reply.type).toBe("ok");
		expect(await exited).toBe(0);
	});
});
