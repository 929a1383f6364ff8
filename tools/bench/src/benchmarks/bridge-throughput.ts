import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { DataExecutor } from "@curator/backend-data";
import { closeIdleDrivers, type XennaConfig, XennaExecutor } from "@curator/backend-xenna-bridge";
import { createDemoPipeline, writeDocuments } from "@curator/cli";
import { type BaseExecutor, Pipeline } from "@curator/core";
import { type BuiltinFilterSpec, JsonlReader, JsonlWriter, ScoreFilter } from "@curator/text";
import { type Cell, registerBenchmark } from "../harness.ts";
import { venvPython } from "../python.ts";
import { interleavedRuns, median, medianRatio, settleHeap } from "../runs.ts";

/** The text filter of the job: word statistics over every document (CPU-bound). */
const filters: Record<string, BuiltinFilterSpec> = {
	meanWordLength: { kind: "meanWordLength", min: 3, max: 10 },
	topNGram: { kind: "topNGram", n: 2, max: 0.2 },
	wordCount: { kind: "wordCount", min: 50, max: 100_000 },
};

interface Job {
	/** `filter`: read, one filter, write; `demo`: the CLI's demo pipeline. */
	pipeline: "filter" | "demo";
	input: string;
	output: string;
	filter: BuiltinFilterSpec;
	filesPerPartition: number;
}

function pipelineOf(job: Job): Pipeline {
	if (job.pipeline === "demo") {
		return createDemoPipeline({ input: job.input, output: job.output, mode: "overwrite" });
	}
	return new Pipeline({
		name: "bridge-throughput",
		stages: [
			new JsonlReader({ paths: job.input, filesPerPartition: job.filesPerPartition }),
			new ScoreFilter(job.filter),
			new JsonlWriter({ path: job.output, mode: "overwrite" }),
		],
	});
}

/** Runs the job; the documents written. */
async function runJob(executor: BaseExecutor, job: Job): Promise<number> {
	const result = await pipelineOf(job).run(executor);
	if (!result.summary.ok) throw new Error(`run failed: ${result.summary.error}`);
	return result.summary.stages.at(-1)?.perf.customMetrics.rowsWritten ?? 0;
}

function bridge(
	python: string,
	executionMode: "streaming" | "batch",
	cpus: number | undefined,
	fuseStages = true,
) {
	const config: XennaConfig = {
		python,
		executionMode,
		fuseStages,
		keepAliveS: 600,
		cpuAllocationPercentage: 1,
		loggingIntervalS: 600,
	};
	if (cpus !== undefined) config.localCpus = cpus;
	return new XennaExecutor(config);
}

registerBenchmark({
	name: "bridge-throughput",
	description:
		"read JSONL -> a word-statistics filter (or the demo's stages) -> write JSONL on generated documents: backend-data vs the Xenna bridge (streaming, batch) on a local Ray cluster, kept-alive driver, interleaved; Ray start-up timed apart",
	flags: {
		docs: { default: "200000", description: "documents to generate" },
		pipeline: {
			default: "filter",
			description: "filter (read, one filter, write) or demo (the CLI's demo pipeline)",
		},
		files: { default: "40", description: "input files" },
		"files-per-partition": { default: "2", description: "input files per reader task" },
		filter: { default: "meanWordLength", description: `one of ${Object.keys(filters).join(", ")}` },
		workers: { default: "2", description: "data's maxWorkers" },
		"ray-cpus": {
			default: "auto",
			description:
				"logical CPUs of the local Ray cluster (auto: the executor sizes it for the pipeline)",
		},
		repeat: { default: "3", description: "interleaved rounds of each runner" },
		runners: {
			default: "data,bridge-streaming,bridge-batch",
			description: "comma-separated runners (also: bridge-streaming-unfused)",
		},
		cold: { default: "yes", description: "'no' skips the cold runs (Ray start-up included)" },
	},
	async run(flags, log) {
		const docs = Number(flags.docs);
		const workers = Number(flags.workers);
		const rayCpus = flags["ray-cpus"] === "auto" ? undefined : Number(flags["ray-cpus"]);
		const filter = filters[flags.filter ?? ""];
		if (filter === undefined) throw new Error(`unknown filter ${flags.filter}`);
		const dir = await mkdtemp(join(tmpdir(), "curator-bench-bridge-"));
		const python = venvPython();
		if (flags.pipeline !== "filter" && flags.pipeline !== "demo")
			throw new Error(`unknown pipeline ${flags.pipeline}`);
		const job: Job = {
			pipeline: flags.pipeline,
			input: join(dir, "input"),
			output: join(dir, "output"),
			filter,
			filesPerPartition: Number(flags["files-per-partition"]),
		};
		const timed = async (executor: BaseExecutor, on: Job = job) => {
			settleHeap();
			const start = performance.now();
			const kept = await runJob(executor, on);
			return { seconds: (performance.now() - start) / 1000, kept };
		};
		try {
			log(`generating ${docs} documents in ${flags.files} files`);
			await writeDocuments({ dir: job.input, count: docs, files: Number(flags.files) });
			const notes: Record<string, Cell> = {
				documents: docs,
				cores: availableParallelism(),
				"ray cpus": rayCpus ?? "auto",
			};
			const kept = new Map<string, number>();
			const makers: Record<string, () => BaseExecutor> = {
				data: () => new DataExecutor({ maxWorkers: workers }),
				"bridge-streaming": () => bridge(python, "streaming", rayCpus),
				"bridge-batch": () => bridge(python, "batch", rayCpus),
				"bridge-streaming-unfused": () => bridge(python, "streaming", rayCpus, false),
			};
			const names = (flags.runners ?? "").split(",").filter((name) => name in makers);
			const extra: Record<string, Cell>[] = [];
			// Before any Ray cluster is up: on a machine where memory another process holds
			// slows the others (a VM whose host reclaims it), the kept-alive cluster's
			// processes slow data's interleaved runs too; this row shows by how much.
			const alone: number[] = [];
			if (names.includes("data")) {
				for (let round = 0; round < Number(flags.repeat); round++) {
					log(`data alone, no Ray cluster up: round ${round + 1}`);
					alone.push((await timed(makers.data!())).seconds);
				}
			}
			if (flags.cold !== "no") extra.push(...(await coldRows(job, dir, python, rayCpus, log)));
			log("warm-up: one bridge run starts the kept-alive driver and its Ray cluster");
			if (names.some((name) => name.startsWith("bridge")))
				await timed(makers["bridge-streaming"]!());
			const rounds = await interleavedRuns(
				names.map((name) => [
					name,
					async () => {
						const { seconds, kept: count } = await timed((makers[name] as () => BaseExecutor)());
						kept.set(name, count);
						return seconds;
					},
				]),
				Number(flags.repeat),
				log,
			);
			const reference = rounds.get("data");
			const rows = names.map((name): Record<string, Cell> => {
				const seconds = rounds.get(name) as number[];
				const fastest = Math.min(...seconds);
				return {
					runner: name,
					fastestS: fastest,
					medianS: median(seconds),
					docsPerS: Math.round(docs / median(seconds)),
					"x data (median)": reference === undefined ? null : medianRatio(reference, seconds),
					written: kept.get(name) ?? null,
				};
			});
			if (alone.length > 0) {
				const streaming = rounds.get("bridge-streaming");
				rows.push({
					runner: "data alone (no Ray cluster up)",
					fastestS: Math.min(...alone),
					medianS: median(alone),
					docsPerS: Math.round(docs / median(alone)),
					"x data (median)": null,
					written: null,
				});
				if (streaming !== undefined)
					notes["bridge-streaming x data alone (median)"] = medianRatio(alone, streaming);
			}
			notes.target = "bridge-streaming x data >= 0.8";
			return { rows: [...rows, ...extra], notes };
		} finally {
			await closeIdleDrivers();
			await rm(dir, { recursive: true, force: true });
		}
	},
});

/**
 * The cold path, timed apart: a driver and a local Ray cluster started for a
 * one-file run (start-up), then again for the whole job (start-up + run).
 */
async function coldRows(
	job: Job,
	dir: string,
	python: string,
	cpus: number | undefined,
	log: (line: string) => void,
): Promise<Record<string, Cell>[]> {
	const tiny: Job = {
		...job,
		input: join(job.input, "part-0000.jsonl"),
		output: join(dir, "tiny"),
	};
	const time = async (on: Job) => {
		await closeIdleDrivers();
		settleHeap();
		const start = performance.now();
		await runJob(bridge(python, "streaming", cpus), on);
		return (performance.now() - start) / 1000;
	};
	log("cold: driver and Ray start-up (one input file)");
	const startup = await time(tiny);
	log("cold: driver, Ray start-up and the whole job");
	const cold = await time(job);
	const row = (runner: string, seconds: number): Record<string, Cell> => ({
		runner,
		fastestS: seconds,
		medianS: null,
		docsPerS: null,
		"x data (median)": null,
		written: null,
	});
	return [
		row("bridge start-up (1 file, cold)", startup),
		row("bridge-streaming cold (whole job)", cold),
	];
}
