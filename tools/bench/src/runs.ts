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
 * seconds of every round of each runner, by name, in round order.
 */
export async function interleavedRuns(
	runners: readonly (readonly [name: string, time: () => Promise<number>])[],
	repeat: number,
	log: (line: string) => void,
): Promise<Map<string, number[]>> {
	const rounds = new Map<string, number[]>(runners.map(([name]) => [name, []]));
	for (let rep = 1; rep <= repeat; rep++) {
		for (const [name, time] of runners) {
			log(`run ${rep}: ${name}`);
			rounds.get(name)?.push(await time());
		}
	}
	return rounds;
}

/** Like {@link interleavedRuns}, keeping the fastest seconds of each runner. */
export async function fastestRuns(
	runners: readonly (readonly [name: string, time: () => Promise<number>])[],
	repeat: number,
	log: (line: string) => void,
): Promise<Map<string, number>> {
	const rounds = await interleavedRuns(runners, repeat, log);
	return new Map([...rounds].map(([name, seconds]) => [name, Math.min(...seconds)]));
}

/**
 * The median, over rounds, of `reference[i] / seconds[i]`: how much faster a
 * runner was than the reference timed next to it, in a typical round.
 */
export function medianRatio(reference: readonly number[], seconds: readonly number[]): number {
	return median(seconds.map((s, i) => (reference[i] as number) / s));
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = sorted.length >> 1;
	return sorted.length % 2 === 1
		? (sorted[middle] as number)
		: ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
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
