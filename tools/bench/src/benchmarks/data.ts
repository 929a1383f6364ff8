import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ActorPoolExecutor } from "@curator/backend-actor-pool";
import { DataExecutor } from "@curator/backend-data";
import type { BaseExecutor } from "@curator/core";
import { type Cell, measureCommand, registerBenchmark } from "../harness.ts";
import { fastestRuns, repeatFlag, timeRun } from "../runs.ts";
import { CpuStage, calibrate } from "../stages/cpu.ts";

const memoryRun = fileURLToPath(new URL("./data-memory-run.ts", import.meta.url));
const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));

registerBenchmark({
	name: "data-memory",
	description:
		"a source generating documents lazily by fan-out, a word-count filter, a JSONL writer (temp dir): peak RSS of the whole process tree, backend-data vs actor-pool",
	flags: {
		docs: { default: "2000000", description: "documents generated (about 500 bytes of text each)" },
		"per-shard": { default: "1000", description: "documents per generated shard (one task)" },
		backends: {
			default: "data,data-unfused,actor-pool",
			description:
				"runs: data (fused), data-unfused (every stage its own bounded queue), actor-pool",
		},
		"heap-mb": { default: "16384", description: "--max-old-space-size of every process" },
	},
	async run(flags, log) {
		const rows: Record<string, Cell>[] = [];
		const env = { NODE_OPTIONS: `--max-old-space-size=${flags["heap-mb"]}` };
		for (const backend of (flags.backends ?? "").split(",").filter(Boolean)) {
			const out = await mkdtemp(join(tmpdir(), `curator-bench-memory-${backend}-`));
			try {
				log(`${backend}: ${flags.docs} documents`);
				const args = [memoryRun, backend, flags.docs ?? "", flags["per-shard"] ?? "", out];
				const measure = await measureCommand(process.execPath, args, { env });
				const report =
					measure.code === 0
						? (JSON.parse(measure.stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, Cell>)
						: { error: measure.stderr.trim().split("\n").at(-1) ?? `exit ${measure.code}` };
				rows.push({
					backend,
					docs: Number(flags.docs),
					written: report.written ?? null,
					seconds: measure.wallS,
					peakRssMb: mb(measure.peakRssBytes),
					targetMb: backend.startsWith("data") ? 600 : null,
					operators: report.operators ?? report.error ?? null,
				});
			} finally {
				await rm(out, { recursive: true, force: true });
			}
		}
		return {
			rows,
			notes: { text: "~500 bytes per document", rss: "process + all workers, sampled every 50 ms" },
		};
	},
});

registerBenchmark({
	name: "data-cpu",
	description:
		"CPU-bound stage (~2 ms of work per task): backend-data vs actor-pool throughput, 2 workers each",
	flags: {
		tasks: { default: "2000", description: "number of tasks" },
		"work-ms": { default: "2", description: "CPU work per task in ms" },
		"batch-size": { default: "10", description: "tasks per batch" },
		repeat: repeatFlag(3),
	},
	async run(flags, log) {
		const count = Number(flags.tasks);
		const stage = new CpuStage({ batchSize: Number(flags["batch-size"]) });
		stage.iterations = calibrate(Number(flags["work-ms"]));
		log(`calibrated ${stage.iterations} iterations for ${flags["work-ms"]} ms`);
		const runners: [string, () => BaseExecutor][] = [];
		for (const isolation of ["process", "thread"] as const) {
			runners.push([
				`actor-pool (${isolation})`,
				() => new ActorPoolExecutor({ isolation, maxWorkersPerStage: 2 }),
			]);
			runners.push([`data (${isolation})`, () => new DataExecutor({ isolation, maxWorkers: 2 })]);
		}
		const best = await fastestRuns(
			runners.map(([name, make]) => [name, () => timeRun(make(), stage, count)] as const),
			Number(flags.repeat),
			log,
		);
		const rows = runners.map(([name]) => {
			const s = best.get(name) as number;
			const isolation = name.includes("thread") ? "thread" : "process";
			const reference = best.get(`actor-pool (${isolation})`) as number;
			return { backend: name, seconds: s, tasksPerS: count / s, vsActorPool: reference / s };
		});
		return {
			rows,
			notes: {
				tasks: count,
				batchSize: Number(flags["batch-size"]),
				target: "data / actor-pool throughput >= 0.90",
			},
		};
	},
});
