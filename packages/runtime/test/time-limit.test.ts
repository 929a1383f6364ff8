import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeadlineQueue, TimeLimitExceeded, withTimeLimit } from "../src/time-limit.ts";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

const never = () => new Promise<string>(() => {});

describe("DeadlineQueue", () => {
	it("fails a request past its limit and calls onExpire once", async () => {
		const onExpire = vi.fn();
		const queue = new DeadlineQueue(onExpire);
		const run = queue.run(0.3, never);
		const caught = run.catch((error: unknown) => error);
		await vi.advanceTimersByTimeAsync(299);
		expect(onExpire).not.toHaveBeenCalled();
		await vi.advanceTimersByTimeAsync(1);
		const error = await caught;
		expect(error).toBeInstanceOf(TimeLimitExceeded);
		expect((error as TimeLimitExceeded).limitS).toBe(0.3);
		expect(onExpire).toHaveBeenCalledTimes(1);
	});

	it("starts a queued request's clock only when the one before it is answered", async () => {
		const onExpire = vi.fn();
		const queue = new DeadlineQueue(onExpire);
		const first = Promise.withResolvers<string>();
		const second = Promise.withResolvers<string>();
		const a = queue.run(1, () => first.promise);
		const b = queue.run(1, () => second.promise);
		await vi.advanceTimersByTimeAsync(900);
		first.resolve("a");
		await expect(a).resolves.toBe("a");
		// 1.5 s after it was sent, but 0.6 s after the worker started it: within its limit.
		await vi.advanceTimersByTimeAsync(600);
		second.resolve("b");
		await expect(b).resolves.toBe("b");
		expect(onExpire).not.toHaveBeenCalled();
	});

	it("sets no limit when the limit is undefined", async () => {
		const onExpire = vi.fn();
		const done = Promise.withResolvers<string>();
		const run = new DeadlineQueue(onExpire).run(undefined, () => done.promise);
		await vi.advanceTimersByTimeAsync(3_600_000);
		done.resolve("late");
		await expect(run).resolves.toBe("late");
		expect(onExpire).not.toHaveBeenCalled();
	});

	it("starts a queued limit only when an unlimited request ahead of it is answered or fails", async () => {
		const onExpire = vi.fn();
		const queue = new DeadlineQueue(onExpire);
		const unlimited = Promise.withResolvers<string>();
		const limited = Promise.withResolvers<string>();
		const a = queue.run(undefined, () => unlimited.promise);
		const b = queue.run(1, () => limited.promise);
		await vi.advanceTimersByTimeAsync(5000);
		expect(onExpire).not.toHaveBeenCalled();
		unlimited.reject(new Error("stage threw"));
		await expect(a).rejects.toThrow("stage threw");
		const caught = b.catch((error: unknown) => error);
		await vi.advanceTimersByTimeAsync(1000);
		expect(await caught).toBeInstanceOf(TimeLimitExceeded);
		expect(onExpire).toHaveBeenCalledTimes(1);
	});

	it("passes a request's own failure through and ignores its outcome after expiry", async () => {
		const queue = new DeadlineQueue(() => {});
		await expect(queue.run(1, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
		const late = Promise.withResolvers<string>();
		const run = queue.run(0.1, () => late.promise);
		const caught = run.catch((error: unknown) => error);
		await vi.advanceTimersByTimeAsync(100);
		late.reject(new Error("worker killed"));
		expect(await caught).toBeInstanceOf(TimeLimitExceeded);
	});
});

describe("withTimeLimit", () => {
	it("kills what hangs past the limit", async () => {
		const kill = vi.fn();
		const caught = withTimeLimit(0.3, never, kill).catch((error: unknown) => error);
		await vi.advanceTimersByTimeAsync(300);
		expect(await caught).toBeInstanceOf(TimeLimitExceeded);
		expect(kill).toHaveBeenCalledTimes(1);
	});
});
