import { readdirSync } from "node:fs";
import type { Logger } from "@curator/core";

/** A logger that keeps every record (level, message, fields) for assertions. */
export function recordingLogger(): Logger & {
	records: { level: string; message: string; fields: object }[];
} {
	const records: { level: string; message: string; fields: object }[] = [];
	const at =
		(level: string) =>
		(first: object | string, message?: string): void => {
			if (typeof first === "string") records.push({ level, message: first, fields: {} });
			else records.push({ level, message: message ?? "", fields: first });
		};
	const logger = {
		records,
		debug: at("debug"),
		info: at("info"),
		warn: at("warn"),
		error: at("error"),
		child: () => logger,
	};
	return logger;
}

/** Polls `check` until it returns a value other than `undefined`; throws after `timeoutMs`. */
export async function waitFor<T>(
	check: () => T | undefined,
	timeoutMs: number,
	what: string,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = check();
		if (value !== undefined) return value;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/** Pids of the Node workers a HoldStage holds in `dir` (from its `held-<pid>` files). */
export function heldPids(dir: string): number[] {
	return readdirSync(dir)
		.filter((name) => name.startsWith("held-"))
		.map((name) => Number(name.slice("held-".length)));
}

/** Whether the process group `pgid` still has a live member. */
export function groupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
		return true;
	} catch {
		return false;
	}
}

/** A run's output tasks as `[taskId, data]` pairs, to compare runs by content. */
export const view = (tasks: { taskId: string; data: unknown }[]) =>
	tasks.map((t) => [t.taskId, t.data]);
