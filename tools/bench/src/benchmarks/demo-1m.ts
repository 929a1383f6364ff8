import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { listBackends, writeDocuments } from "@curator/cli";
import { type Cell, type CommandMeasure, measureCommand, registerBenchmark } from "../harness.ts";

/** Time targets relative to the floor, per backend (from the issue). */
const targets: Record<string, number> = { local: 1.15, "actor-pool": 0.65, data: 0.65 };

const floorScript = fileURLToPath(new URL("./demo-floor.ts", import.meta.url));
const cliBin = fileURLToPath(new URL("./bin.js", import.meta.resolve("@curator/cli")));

/** One thing to measure: a command and how to read the documents it wrote from its stdout. */
interface Runner {
	name: string;
	workers: string;
	args: string[];
	docsOut(stdout: string): number;
}

interface Outcome {
	runner: Runner;
	best: CommandMeasure | undefined;
	peakRssBytes: number;
	failure: string | undefined;
}

registerBenchmark({
	name: "demo-1m",
	description:
		"the demo pipeline (read JSONL, 6 heuristic filters, exact dedup, write JSONL) on generated documents, per backend, against a hand-written loop (the floor)",
	flags: {
		docs: { default: "1000000", description: "documents to generate" },
		files: { default: "16", description: "input files" },
		backends: { default: "installed", description: "comma-separated backends, or 'installed'" },
		workers: { default: "2", description: "--workers for backends that run several" },
		"heap-mb": { default: "16384", description: "--max-old-space-size of every measured process" },
		repeat: {
			default: "1",
			description: "runs of each runner, interleaved; the fastest counts (less noise)",
		},
		checkpoint: {
			default: "no",
			description:
				"'both': also run each backend with --checkpoint (a fresh one per run), to measure what checkpointing costs",
		},
		dir: {
			default: "",
			description: "work folder (default: a fresh temporary one, removed after)",
		},
	},
	async run(flags, log) {
		const docs = Number(flags.docs);
		const dir = flags.dir || (await mkdtemp(join(tmpdir(), "curator-bench-demo-")));
		const env = { NODE_OPTIONS: `--max-old-space-size=${flags["heap-mb"]}` };
		try {
			log(`generating ${docs} documents in ${flags.files} files under ${dir}`);
			const input = join(dir, "input");
			await writeDocuments({ dir: input, count: docs, files: Number(flags.files) });
			const runners = [
				floorRunner(input, join(dir, "floor")),
				...(await selectBackends(flags.backends)).flatMap((backend) => {
					const workers = flags.workers ?? "2";
					const plain = backendRunner(backend, input, join(dir, `out-${backend}`), workers);
					if (flags.checkpoint !== "both") return [plain];
					const checkpoint = join(dir, `checkpoint-${backend}`);
					return [plain, checkpointed(plain, checkpoint, join(dir, `out-${backend}-ckpt`))];
				}),
			];
			const outcomes: Outcome[] = runners.map((runner) => ({
				runner,
				best: undefined,
				peakRssBytes: 0,
				failure: undefined,
			}));
			for (let rep = 1; rep <= Number(flags.repeat); rep++) {
				for (const outcome of outcomes) {
					if (outcome.failure !== undefined) continue;
					log(`run ${rep}: ${outcome.runner.name}`);
					const measure = await measureCommand(process.execPath, outcome.runner.args, { env });
					if (measure.code !== 0) {
						outcome.failure = measure.stderr.trim().split("\n").at(-1) ?? `exit ${measure.code}`;
						continue;
					}
					outcome.peakRssBytes = Math.max(outcome.peakRssBytes, measure.peakRssBytes);
					if (outcome.best === undefined || measure.wallS < outcome.best.wallS)
						outcome.best = measure;
				}
			}
			const floor = outcomes[0]?.best;
			if (floor === undefined) throw new Error(`the floor failed: ${outcomes[0]?.failure}`);
			return {
				columns: [
					"runner",
					"workers",
					"seconds",
					"docs/s",
					"peak RSS MB",
					"x floor",
					"target",
					"docs out",
					"x plain",
				],
				rows: outcomes.map((outcome) => row(outcome, docs, floor.wallS, outcomes)),
				notes: {
					documents: docs,
					files: Number(flags.files),
					repeat: Number(flags.repeat),
					cores: availableParallelism(),
				},
			};
		} finally {
			if (!flags.dir) await rm(dir, { recursive: true, force: true });
		}
	},
});

function floorRunner(input: string, output: string): Runner {
	return {
		name: "floor (hand-written loop)",
		workers: "-",
		args: [floorScript, input, output],
		docsOut: (stdout) => (JSON.parse(stdout) as { rows: number }).rows,
	};
}

function backendRunner(backend: string, input: string, output: string, workers: string): Runner {
	const workerArgs = backend === "local" ? [] : ["--workers", workers];
	return {
		name: backend,
		workers: backend === "local" ? "1" : workers,
		args: [
			cliBin,
			...["run", "demo", "--input", input, "--output", output, "--backend", backend],
			// Every repetition writes into the same folder.
			...["--mode", "overwrite"],
			...[...workerArgs, "--json", "--progress", "none"],
		],
		docsOut: (stdout) => {
			const report = JSON.parse(stdout) as { stages: { customMetrics: Record<string, number> }[] };
			return report.stages.at(-1)?.customMetrics.rowsWritten ?? 0;
		},
	};
}

async function selectBackends(spec: string | undefined): Promise<string[]> {
	if (spec !== undefined && spec !== "installed") return spec.split(",").filter(Boolean);
	const backends = await listBackends(process.cwd());
	return backends.filter((b) => b.problem === undefined).map((b) => b.name);
}

/** `plain` with a checkpoint; `--restart` makes every repetition a fresh run (a finished checkpoint is refused). */
function checkpointed(plain: Runner, checkpoint: string, output: string): Runner {
	const args = plain.args.map((arg, i) => (plain.args[i - 1] === "--output" ? output : arg));
	return {
		...plain,
		name: `${plain.name} + checkpoint`,
		args: [...args, "--checkpoint", checkpoint, "--restart"],
	};
}

function row(
	outcome: Outcome,
	docs: number,
	floorS: number,
	outcomes: readonly Outcome[],
): Record<string, Cell> {
	const { runner, best } = outcome;
	if (best === undefined) {
		const failure = outcome.failure ?? "";
		const short =
			failure.length > 100 ? `${failure.slice(0, 60)} ... ${failure.slice(-40)}` : failure;
		return { runner: runner.name, workers: runner.workers, target: `failed: ${short}` };
	}
	const target = targets[runner.name];
	const ratio = best.wallS / floorS;
	return {
		runner: runner.name,
		workers: runner.workers,
		seconds: best.wallS,
		"docs/s": Math.round(docs / best.wallS),
		"peak RSS MB": Math.round(outcome.peakRssBytes / 2 ** 20),
		"x floor": ratio,
		target: target === undefined ? "-" : `<= ${target} ${ratio <= target ? "(met)" : "(missed)"}`,
		"x plain": checkpointCost(runner, best.wallS, outcomes),
		"docs out": runner.docsOut(best.stdout),
	};
}

/** A checkpointed runner's time over its plain runner's (the target is at most 1.03). */
function checkpointCost(runner: Runner, wallS: number, outcomes: readonly Outcome[]): Cell {
	const suffix = " + checkpoint";
	if (!runner.name.endsWith(suffix)) return "-";
	const plain = outcomes.find((o) => o.runner.name === runner.name.slice(0, -suffix.length));
	return plain?.best === undefined ? "-" : wallS / plain.best.wallS;
}
