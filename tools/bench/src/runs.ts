import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type BaseExecutor, Pipeline, type ProcessingStage } from "@curator/core";
import { NumberTask } from "./stages/cpu.ts";

/** `count` small tasks carrying 1, 2, 3, ... */
export function numberTasks(count: number): NumberTask[] {
	return Array.from(
		{ length: count },
		(_, i) => new NumberTask({ datasetName: "bench", data: i + 1 }),
	);
}

/** Seconds to run `stage` on `count` number tasks with `executor`; checks every task came out. */
export async function timeRun(
	executor: BaseExecutor,
	stage: ProcessingStage,
	count: number,
): Promise<number> {
	const input = numberTasks(count);
	settleHeap();
	const start = performance.now();
	const { tasks: out } = await new Pipeline({ name: "bench", stages: [stage] }).run(
		executor,
		input,
	);
	if (out.length !== count) throw new Error(`expected ${count} outputs, got ${out.length}`);
	return (performance.now() - start) / 1000;
}

/** The `repeat` flag of benchmarks that keep the fastest of interleaved runs. */
export function repeatFlag(runs: number): { default: string; description: string } {
	return {
		default: String(runs),
		description: "runs of each runner, interleaved; the fastest counts",
	};
}

/**
 * Times every runner `repeat` times, interleaved (each once, then each again),
 * so a slow spell of a shared machine hits all of them alike; returns the
 * fastest seconds of each runner, by name.
 */
export async function fastestRuns(
	runners: readonly (readonly [name: string, time: () => Promise<number>])[],
	repeat: number,
	log: (line: string) => void,
): Promise<Map<string, number>> {
	const best = new Map<string, number>();
	for (let rep = 1; rep <= repeat; rep++) {
		for (const [name, time] of runners) {
			log(`run ${rep}: ${name}`);
			const seconds = await time();
			best.set(name, Math.min(best.get(name) ?? Number.POSITIVE_INFINITY, seconds));
		}
	}
	return best;
}

let collect: (() => void) | undefined;

/**
 * Runs a full garbage collection. Called between building a run's input and
 * starting its clock, for every runner alike, so a timed run does not pay
 * for the harness's own allocations or for garbage left by the runner
 * timed before it (runs are interleaved).
 */
export function settleHeap(): void {
	if (collect === undefined) {
		setFlagsFromString("--expose-gc");
		collect = runInNewContext("gc") as () => void;
	}
	collect();
}
