import { describe, expect, it } from "vitest";
import { encodeStage, encodeTasks } from "../src/codec.ts";
import { collectGarbage } from "../src/collect-garbage.ts";
import type { HostTransport } from "../src/host-transport.ts";
import type { HostMessage } from "../src/protocol.ts";
import { serveWorkerHost } from "../src/serve-host.ts";
import { ShoutStage, WordsTask } from "./fixtures/stages.ts";

const worker = { workerId: "w0", allocation: { cpus: 1, gpus: [] } };

/** A worker host served in this process over an in-memory transport. */
function host(collectWhenIdleMs: number | undefined) {
	let deliver: (message: unknown) => void = () => {};
	const waiting = new Map<number, (reply: HostMessage) => void>();
	const transport: HostTransport = {
		send: (message) => {
			const id = (message as { id?: number }).id;
			if (id === undefined) return;
			waiting.get(id)?.(message);
			waiting.delete(id);
		},
		onMessage: (handler) => {
			deliver = handler;
		},
		close: () => {},
	};
	serveWorkerHost(transport, { collectWhenIdleMs });
	let next = 0;
	return (fields: Record<string, unknown>) => {
		const id = ++next;
		const reply = new Promise<HostMessage>((resolve) => waiting.set(id, resolve));
		deliver({ v: 1, id, ...fields });
		return reply;
	};
}

function batch(): Uint8Array {
	const task = new WordsTask({ datasetName: "d", data: ["a", "b"] });
	task.taskId = "0_0";
	return encodeTasks([task]);
}

/** A weak reference to the last batch's reply payload, made in a job of its own. */
async function lastReplyPayload(request: ReturnType<typeof host>): Promise<WeakRef<object>> {
	await request({ type: "init", key: "0", stage: encodeStage(new ShoutStage()), isSource: false });
	await request({ type: "setup", key: "0", worker });
	const reply = (await request({ type: "process", keys: ["0"], payload: batch() })) as {
		payload?: object;
	};
	expect(reply.payload).toBeInstanceOf(Uint8Array);
	return new WeakRef(reply.payload as object);
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("a worker host kept idle for later stages", () => {
	it("holds nothing of its last batch once its stages are torn down (collectWhenIdleMs)", async () => {
		const request = host(5);
		const payload = await lastReplyPayload(request);
		await nextTurn();
		const torn = await request({ type: "teardown", key: "0" });
		expect(torn.type).toBe("ok");
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(payload.deref(), "the last reply's payload was collected").toBeUndefined();
	});

	it("forgets a stage once it is torn down", async () => {
		const request = host(undefined);
		await lastReplyPayload(request);
		await request({ type: "teardown", key: "0" });
		const again = (await request({ type: "process", keys: ["0"], payload: batch() })) as {
			type: string;
			error?: { message: string };
		};
		expect(again.type).toBe("error");
		expect(again.error?.message).toMatch(/0/);
	});

	it("collects garbage without leaving V8's gc exposed", async () => {
		const exposed = (globalThis as { gc?: unknown }).gc;
		const kept = (() => new WeakRef({ large: new Uint8Array(1 << 20) }))();
		await nextTurn();
		collectGarbage();
		await nextTurn();
		expect(kept.deref()).toBeUndefined();
		expect((globalThis as { gc?: unknown }).gc).toBe(exposed);
	});
});
