import { ProcessingStage, registerModule, Task } from "@curator/core";

/** A small task carrying one number. */
export class NumberTask extends Task<number> {
	override get numItems(): number {
		return 1;
	}
}

/** Deterministic integer work: `iterations` rounds of a xorshift mix. */
export function burn(seed: number, iterations: number): number {
	let x = seed | 0 || 1;
	for (let i = 0; i < iterations; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
	}
	return x;
}

/** Iterations of {@link burn} that take about `ms` milliseconds on this machine. */
export function calibrate(ms: number): number {
	let iterations = 100_000;
	for (;;) {
		const start = performance.now();
		burn(7, iterations);
		const took = performance.now() - start;
		if (took > 50) return Math.max(1, Math.round((iterations * ms) / took));
		iterations *= 2;
	}
}

/** About 2 ms of real CPU work per task (iterations calibrated by the benchmark). */
export class CpuStage extends ProcessingStage<NumberTask, NumberTask> {
	iterations = 1;
	override process(task: NumberTask): NumberTask {
		return new NumberTask({
			datasetName: task.datasetName,
			data: burn(task.data, this.iterations),
		});
	}
}

/** Returns its input: measures pure dispatch overhead. */
export class EmptyStage extends ProcessingStage<NumberTask, NumberTask> {
	override process(task: NumberTask): NumberTask {
		return task;
	}
}

registerModule(import.meta.url, { NumberTask, CpuStage, EmptyStage });
