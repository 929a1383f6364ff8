import { spawn } from "node:child_process";
import { formatTable } from "@curator/runtime/render";
import { PeakRssSampler } from "./rss.ts";

/** A cell of a result table. */
export type Cell = string | number | boolean | null;

/** What a benchmark reports: rows of a table (the same rows go to `--json`). */
export interface BenchmarkResult {
	/** Column order of the table; default the keys of the first row. */
	columns?: string[];
	rows: Record<string, Cell>[];
	/** Free-form facts (input size, machine, ...). */
	notes?: Record<string, Cell>;
}

/** Flags a benchmark takes (`--name value`), with defaults; values arrive as strings. */
export type BenchmarkFlags = Record<string, { default: string; description: string }>;

/** A named benchmark. */
export interface Benchmark {
	name: string;
	description: string;
	flags: BenchmarkFlags;
	run(flags: Record<string, string>, log: (line: string) => void): Promise<BenchmarkResult>;
}

const registry = new Map<string, Benchmark>();

/** Adds a benchmark to the registry (one call per benchmark module). */
export function registerBenchmark(benchmark: Benchmark): void {
	if (registry.has(benchmark.name))
		throw new Error(`benchmark "${benchmark.name}" is already registered`);
	registry.set(benchmark.name, benchmark);
}

/** Every registered benchmark, by name. */
export function benchmarks(): Benchmark[] {
	return [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The benchmark called `name`; throws naming the known ones. */
export function benchmark(name: string): Benchmark {
	const found = registry.get(name);
	if (found === undefined) {
		throw new Error(
			`unknown benchmark "${name}" (known: ${[...registry.keys()].join(", ") || "none"})`,
		);
	}
	return found;
}

/** Renders a result as a plain-text table with its notes. */
export function formatResult(name: string, result: BenchmarkResult): string {
	const columns = result.columns ?? Object.keys(result.rows[0] ?? {});
	const rows = result.rows.map((row) => columns.map((c) => formatCell(row[c] ?? null)));
	const align = columns.map((c) =>
		result.rows.some((row) => typeof row[c] === "number") ? ("right" as const) : ("left" as const),
	);
	const notes = Object.entries(result.notes ?? {}).map(([k, v]) => `  ${k}: ${formatCell(v)}`);
	return [`${name}`, formatTable(columns, rows, align), ...notes].join("\n");
}

function formatCell(value: Cell): string {
	if (value === null) return "-";
	if (typeof value === "number") {
		if (Number.isInteger(value)) return String(value);
		return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
	}
	return String(value);
}

/** What {@link measureCommand} measured. */
export interface CommandMeasure {
	code: number | null;
	wallS: number;
	peakRssBytes: number;
	stdout: string;
	stderr: string;
}

/** Runs a command to completion; wall time and the peak RSS of its whole process tree. */
export function measureCommand(
	command: string,
	args: string[],
	options: { cwd?: string; env?: NodeJS.ProcessEnv; sampleMs?: number } = {},
): Promise<CommandMeasure> {
	return new Promise((resolve, reject) => {
		const start = performance.now();
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: { ...process.env, ...options.env },
			stdio: ["ignore", "pipe", "pipe"],
		});
		const sampler = new PeakRssSampler(child.pid ?? -1, options.sampleMs ?? 50);
		let stdout = "";
		let stderr = "";
		child.stdout.on("data", (chunk) => {
			stdout += chunk;
		});
		child.stderr.on("data", (chunk) => {
			stderr += chunk;
		});
		child.on("error", (error) => {
			sampler.stop();
			reject(error);
		});
		child.on("close", (code) => {
			const wallS = (performance.now() - start) / 1000;
			resolve({ code, wallS, peakRssBytes: sampler.stop(), stdout, stderr });
		});
	});
}
