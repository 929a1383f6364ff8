import { afterEach, describe, expect, it } from "vitest";
import { WorkerCache } from "../src/worker-cache.ts";
import { WorkerHandle } from "../src/worker-handle.ts";

const handles: WorkerHandle[] = [];
afterEach(() => {
	for (const handle of handles.splice(0)) handle.kill();
});

function spawn(workerId: string): WorkerHandle {
	const handle = WorkerHandle.spawn({ workerId, isolation: "process" });
	handles.push(handle);
	return handle;
}

describe("WorkerCache", () => {
	it("gives a kept worker back only for the same key", () => {
		const cache = new WorkerCache();
		const a = spawn("a");
		expect(cache.give("cpu", a)).toBe(true);
		expect(cache.take("gpu0")).toBeUndefined();
		expect(cache.take("cpu")).toBe(a);
		expect(cache.size).toBe(0);
	});

	it("evicts one idle worker to make room for a new process, and none when empty", async () => {
		const cache = new WorkerCache();
		const [a, b] = [spawn("a"), spawn("b")];
		cache.give("x", a);
		cache.give("y", b);
		expect(cache.evictOne()).toBe(true);
		expect(cache.size).toBe(1);
		const stopped = await Promise.race([a.exited.then(() => a), b.exited.then(() => b)]);
		expect(stopped.exit?.expected).toBe(true);
		expect(cache.evictOne()).toBe(true);
		expect(cache.evictOne()).toBe(false);
		await Promise.all([a.exited, b.exited]);
	});

	it("kill stops every kept worker and resolves once they have exited", async () => {
		const cache = new WorkerCache();
		const [a, b] = [spawn("a"), spawn("b")];
		cache.give("x", a);
		cache.give("x", b);
		await cache.kill();
		expect([a.exit, b.exit].every((exit) => exit !== undefined)).toBe(true);
		expect(cache.give("x", spawn("c"))).toBe(false);
	});
});
