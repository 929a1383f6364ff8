import type { BaseExecutor, RunEvent } from "@curator/core";
import type { ExpectStatic } from "vitest";
import type { ConformanceKit } from "../kit.ts";
import {
	descendantProcessesOf,
	liveProcesses,
	type ProcessInfo,
	waitUntilGone,
} from "../processes.ts";

/** Collects the pids a run reports in `worker:start` events. */
export class WorkerPids {
	readonly pids = new Set<number>();

	/** Feed every run event here (`RunOptions.onEvent`). */
	readonly onEvent = (event: RunEvent): void => {
		if (event.type === "worker:start" && event.pid !== undefined) this.pids.add(event.pid);
	};
}

/**
 * Trait "no worker process is left", for a run that ends in a failure or an
 * abort: runs `work` on a fresh executor, whose workers (reported by
 * `worker:start`, other than this process) must be gone when the run has
 * settled, and any other process the backend started must be gone once the
 * executor is disposed. Two assertions; needs `canListProcesses`.
 */
export async function expectNoWorkerLeft<T>(
	kit: ConformanceKit,
	expect: ExpectStatic,
	work: (executor: BaseExecutor, workers: WorkerPids) => Promise<T>,
): Promise<T> {
	const before = new Set(descendantProcessesOf().map((p) => p.pid));
	const outcome = await kit.withExecutor(async (executor) => {
		const workers = new WorkerPids();
		const result = await work(executor, workers);
		const pids = [...workers.pids].filter((pid) => pid !== process.pid);
		const left = await waitUntilGone(() => liveProcesses(pids), kit.options.reapTimeoutMs);
		expect(describeAll(left), "workers still running after the run settled").toEqual([]);
		return result;
	});
	const spawned = () => descendantProcessesOf().filter((p) => !before.has(p.pid));
	const left = await waitUntilGone(spawned, kit.options.reapTimeoutMs);
	expect(describeAll(left), "processes the backend started and left running").toEqual([]);
	return outcome;
}

function describeAll(processes: ProcessInfo[]): string[] {
	return processes.map((p) => `${p.pid} ${p.command}`);
}
