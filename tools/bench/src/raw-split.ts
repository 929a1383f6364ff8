import { fork } from "node:child_process";
import type { EventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

const script = fileURLToPath(new URL("./stages/burn-range.mjs", import.meta.url));

/** Where the ceiling's two halves run. */
export type RawKind = "thread" | "process";

/**
 * The machine's ceiling for the CPU benchmark: tasks `[0, count)` of
 * `iterations` xorshift rounds each, split in two halves run at once in two
 * bare worker threads or child processes (started, run and ended here), no
 * framework. Resolves with the sum of the tasks' results, once both have
 * exited.
 */
export async function runRawSplit(
	kind: RawKind,
	count: number,
	iterations: number,
): Promise<number> {
	const half = Math.floor(count / 2);
	const sums = await Promise.all([
		runRange(kind, { from: 0, to: half, iterations }),
		runRange(kind, { from: half, to: count, iterations }),
	]);
	return sums[0] + sums[1];
}

interface Range {
	from: number;
	to: number;
	iterations: number;
}

function runRange(kind: RawKind, range: Range): Promise<number> {
	if (kind === "thread") return sumAtExit(new Worker(script, { workerData: range }), kind);
	const child = fork(script, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
	child.send(range);
	return sumAtExit(child, kind);
}

/** The sum `worker` sends, once it has exited; rejects when it exits without sending one. */
function sumAtExit(worker: EventEmitter, kind: RawKind): Promise<number> {
	return new Promise((resolve, reject) => {
		let sum: number | undefined;
		worker.once("message", (result: number) => {
			sum = result;
		});
		worker.once("error", reject);
		// A thread's exit carries its code; a process's, its code and signal.
		worker.once("exit", (code: number | null, signal?: string | null) =>
			sum === undefined
				? reject(new Error(`ceiling ${kind} exited with ${signal ?? code}`))
				: resolve(sum),
		);
	});
}
