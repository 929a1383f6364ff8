import { fileURLToPath } from "node:url";
import { ActorPoolExecutor } from "@curator/backend-actor-pool";
import { LocalExecutor } from "@curator/backend-local";
import { Piscina } from "piscina";
import { registerBenchmark } from "../harness.ts";
import { type RawKind, runRawSplit } from "../raw-split.ts";
import {
	interleavedRuns,
	medianRatio,
	numberTasks,
	repeatFlag,
	settleHeap,
	timeRun,
} from "../runs.ts";
import { CpuStage, calibrate, EmptyStage } from "../stages/cpu.ts";

registerBenchmark({
	name: "actor-pool-cpu",
	description: "CPU-bound stage (~2 ms per task): backend-local vs actor-pool with 2 workers",
	flags: {
		tasks: { default: "2000", description: "number of tasks" },
		"work-ms": { default: "2", description: "CPU work per task in ms" },
		"batch-size": { default: "10", description: "tasks per batch" },
		repeat: repeatFlag(3),
	},
	async run(flags, log) {
		const count = Number(flags.tasks);
		const batchSize = Number(flags["batch-size"]);
		const stage = new CpuStage({ batchSize });
		stage.iterations = calibrate(Number(flags["work-ms"]));
		log(`calibrated ${stage.iterations} iterations for ${flags["work-ms"]} ms`);
		const runners: [string, number, () => Promise<number>][] = [
			["local", 1, () => timeRun(new LocalExecutor(), stage, count)],
			["2 bare threads (ceiling)", 2, () => timeRawSplit("thread", count, stage.iterations)],
			["2 bare processes (ceiling)", 2, () => timeRawSplit("process", count, stage.iterations)],
		];
		for (const isolation of ["process", "thread"] as const) {
			runners.push([
				`actor-pool (${isolation})`,
				2,
				() => timeRun(new ActorPoolExecutor({ isolation, maxWorkersPerStage: 2 }), stage, count),
			]);
		}
		const rounds = await interleavedRuns(
			runners.map(([name, , time]) => [name, time] as const),
			Number(flags.repeat),
			log,
		);
		const local = rounds.get("local") as number[];
		const rows = runners.map(([backend, workers]) => {
			const each = rounds.get(backend) as number[];
			const seconds = Math.min(...each);
			return {
				backend,
				workers,
				seconds,
				tasksPerS: count / seconds,
				speedup: Math.min(...local) / seconds,
				medianSpeedup: medianRatio(local, each),
			};
		});
		return {
			rows,
			notes: {
				tasks: count,
				batchSize,
				repeat: Number(flags.repeat),
				speedup: "fastest local / fastest run; medianSpeedup: median over rounds of local / run",
				target: "speedup >= 1.8 on 2 cores (compare with the ceiling rows)",
			},
		};
	},
});

registerBenchmark({
	name: "actor-pool-dispatch",
	description:
		"dispatch overhead: an empty stage on small tasks, actor-pool vs piscina (2 workers each)",
	flags: {
		tasks: { default: "100000", description: "number of tasks" },
		"batch-sizes": { default: "1,100", description: "comma-separated batch sizes" },
		repeat: repeatFlag(5),
	},
	async run(flags, log) {
		const count = Number(flags.tasks);
		const runners: [string, (batchSize: number) => Promise<number>][] = [
			["piscina (threads)", (batchSize) => timePiscina(count, batchSize)],
		];
		for (const isolation of ["thread", "process"] as const) {
			runners.push([
				`actor-pool (${isolation})`,
				(batchSize) =>
					timeRun(
						new ActorPoolExecutor({ isolation, maxWorkersPerStage: 2 }),
						new EmptyStage({ batchSize }),
						count,
					),
			]);
		}
		const rows = [];
		for (const batchSize of (flags["batch-sizes"] ?? "1").split(",").map(Number)) {
			log(`batch size ${batchSize}`);
			const rounds = await interleavedRuns(
				runners.map(([name, time]) => [name, () => time(batchSize)] as const),
				Number(flags.repeat),
				log,
			);
			const piscina = rounds.get("piscina (threads)") as number[];
			for (const [name] of runners) {
				const seconds = rounds.get(name) as number[];
				rows.push({
					runner: name,
					batchSize,
					tasksPerS: count / Math.min(...seconds),
					ratio: Math.min(...piscina) / Math.min(...seconds),
					medianRatio: medianRatio(piscina, seconds),
				});
			}
		}
		return {
			rows,
			notes: {
				tasks: count,
				repeat: Number(flags.repeat),
				target: "actor-pool / piscina >= 1.0",
			},
		};
	},
});

/**
 * The machine's ceiling: the same work split over two bare worker threads or
 * child processes, no framework, timed from their start to their exit. On a
 * shared or hyper-threaded machine this is below 2x.
 */
async function timeRawSplit(kind: RawKind, count: number, iterations: number): Promise<number> {
	settleHeap();
	const start = performance.now();
	await runRawSplit(kind, count, iterations);
	return (performance.now() - start) / 1000;
}

/**
 * Piscina running the same empty work on batches of the same size, all
 * submitted at once. Like the executor's run, the time includes starting the
 * pool's two threads and stopping them.
 */
async function timePiscina(count: number, batchSize: number): Promise<number> {
	const filename = fileURLToPath(new URL("../stages/piscina-worker.mjs", import.meta.url));
	const input = numberTasks(count).map((task) => ({
		datasetName: task.datasetName,
		data: task.data,
	}));
	settleHeap();
	const start = performance.now();
	const pool = new Piscina({ filename, minThreads: 2, maxThreads: 2 });
	let done = 0;
	try {
		const runs: Promise<unknown[]>[] = [];
		for (let i = 0; i < count; i += batchSize) runs.push(pool.run(input.slice(i, i + batchSize)));
		done = (await Promise.all(runs)).reduce((n, batch) => n + batch.length, 0);
	} finally {
		await pool.destroy();
	}
	if (done !== count) throw new Error(`piscina returned ${done} of ${count}`);
	return (performance.now() - start) / 1000;
}
