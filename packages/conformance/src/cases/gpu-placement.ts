import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { type BaseExecutor, Pipeline } from "@curator/core";
import { describe } from "vitest";
import { GpuProbeStage, numbersTasks } from "../fixtures/index.ts";
import {
	type ConformanceKit,
	conformanceKit,
	disposeExecutor,
	gateWaitMs,
	retriedCrashSkip,
} from "../kit.ts";
import type { ConformanceOptions } from "../options.ts";

/** The settings a GPU placement run needs from a backend: recycling and retries. */
export interface GpuPlacementSettings {
	/** Recycle a worker after this many batches. */
	maxCallsPerWorker: number;
	/** Attempts per batch when its worker dies. */
	numRunAttempts: number;
}

/** Makes a fresh executor with `settings`, detecting the machine (no `machine` option). */
export type GpuPlacementExecutorFactory = (settings: GpuPlacementSettings) => BaseExecutor;

/** A simulated machine and the GPU request of the stage run on it. */
interface Machine {
	title: string;
	/** GPUs the fake `nvidia-smi` reports. */
	installed: number;
	/** The `CUDA_VISIBLE_DEVICES` the run inherits (unset when omitted). */
	inherited?: string;
	gpusPerWorker: number;
	/** The devices workers may be given. */
	visible: string[];
}

const machines: Machine[] = [
	{ title: "2 GPUs, one per worker", installed: 2, gpusPerWorker: 1, visible: ["0", "1"] },
	{ title: "2 GPUs, half a GPU per worker", installed: 2, gpusPerWorker: 0.5, visible: ["0", "1"] },
	{
		title: "4 GPUs, two per worker",
		installed: 4,
		gpusPerWorker: 2,
		visible: ["0", "1", "2", "3"],
	},
	{
		title: "4 GPUs with an inherited CUDA_VISIBLE_DEVICES=2,3",
		installed: 4,
		inherited: "2,3",
		gpusPerWorker: 1,
		visible: ["2", "3"],
	},
];

/** Numbers whose first attempt ends its worker. */
const crashOn = [3, 8];

/**
 * Cases "GPU placement on a simulated machine": a fake `nvidia-smi` on `PATH`
 * reports 2 or 4 GPUs (once with an inherited `CUDA_VISIBLE_DEVICES`); a GPU
 * stage runs while workers are killed (a crash on two batches) and recycled
 * (`maxCallsPerWorker`). Every worker records the `CUDA_VISIBLE_DEVICES` it
 * was given; replaying starts and stops, no live worker ever sees a device
 * outside the visible set, and no device carries more than one GPU's worth of
 * live workers. One more case runs two GPU stages of a pipeline at the same
 * time (see {@link registerConcurrentStagesCase}): the same holds for the live
 * workers of the whole run. For backends that place GPU workers in processes
 * of their own; skipped, visibly, without `supports.processIsolation` and
 * `supports.retries`.
 */
export function registerGpuPlacementCases(
	factory: GpuPlacementExecutorFactory,
	options?: ConformanceOptions,
): void {
	const settings = { maxCallsPerWorker: 3, numRunAttempts: 3 };
	const kit = conformanceKit(() => factory(settings), options);
	describe("GPU placement on a simulated machine", () => {
		for (const machine of machines) {
			kit.test(
				`${machine.title}: live workers keep to the visible GPUs and their fractions while workers are replaced`,
				(expect) =>
					kit.withTempDir(async (dir) => {
						const journal = join(dir, "journal");
						await writeFile(journal, "");
						const stage = new GpuProbeStage({
							journal,
							markerDir: dir,
							crashOn,
							batchSize: 1,
							resources: { cpus: 0.5, gpus: machine.gpusPerWorker },
						});
						const input = numbersTasks(...Array.from({ length: 12 }, (_, i) => [i + 1]));
						const result = await onSimulatedMachine(dir, machine, async () => {
							const executor = factory(settings);
							try {
								return await new Pipeline({ name: "gpu", stages: [stage] }).run(executor, input);
							} finally {
								await disposeExecutor(executor);
							}
						});
						expect(result.tasks).toHaveLength(12);
						for (const value of crashOn)
							expect(existsSync(join(dir, `gpu-crash-${value}`))).toBe(true);
						const lines = (await readFile(journal, "utf8")).trim().split("\n");
						// 12 batches at most 3 per worker, two of them crashing: replacements happened.
						expect(lines.filter((line) => line.startsWith("start ")).length).toBeGreaterThan(4);
						expect(placementViolations(lines, machine.visible)).toEqual([]);
					}),
				retriedCrashSkip(kit.supports),
			);
		}
		registerConcurrentStagesCase(kit, () => factory(settings));
	});
}

/**
 * Two GPU stages on 2 GPUs: one of a whole GPU with a single worker (alone,
 * it would sit on device 0) and one of half a GPU (alone, its first worker
 * would sit on device 0 too), each with a crash and recycled workers. On a
 * streaming backend the stages run at the same time, and the first holds its
 * last batch until a worker of the second is set up, so live workers of both
 * meet for sure (the case checks that they did). A backend that runs stage
 * by stage (`supports.streaming` false: actor-pool) runs them one after
 * another, without the hold; the case then checks that placement still keeps
 * to the visible GPUs and fractions across the run's pools.
 */
function registerConcurrentStagesCase(kit: ConformanceKit, factory: () => BaseExecutor): void {
	const streaming = kit.supports.streaming;
	const when = streaming ? "at the same time" : "one after another (supports.streaming is false)";
	kit.test(
		`2 GPUs, two GPU stages ${when}: live workers of the run never share a device beyond their fractions while workers are replaced`,
		(expect) =>
			kit.withTempDir(async (dir) => {
				const journal = join(dir, "journal");
				const gate = join(dir, "gate");
				await writeFile(journal, "");
				await mkdir(gate);
				const common = { journal, markerDir: dir, batchSize: 1 };
				const hold = { value: 12, gate, maxWaitMs: gateWaitMs(kit) };
				const whole = new GpuProbeStage({
					...common,
					name: "WholeGpuProbe",
					crashOn: [3],
					workers: 1,
					resources: { cpus: 0.5, gpus: 1 },
					...(streaming ? { hold } : {}),
				});
				const half = new GpuProbeStage({
					...common,
					name: "HalfGpuProbe",
					crashOn: [8],
					opens: gate,
					resources: { cpus: 0.5, gpus: 0.5 },
				});
				const machine = { installed: 2, visible: ["0", "1"] };
				const input = numbersTasks(...Array.from({ length: 12 }, (_, i) => [i + 1]));
				const result = await onSimulatedMachine(dir, machine, async () => {
					const executor = factory();
					try {
						return await new Pipeline({ name: "gpus", stages: [whole, half] }).run(executor, input);
					} finally {
						await disposeExecutor(executor);
					}
				});
				expect(result.tasks).toHaveLength(12);
				for (const value of [3, 8]) expect(existsSync(join(dir, `gpu-crash-${value}`))).toBe(true);
				const lines = (await readFile(journal, "utf8")).trim().split("\n");
				for (const stage of ["WholeGpuProbe", "HalfGpuProbe"]) {
					// 12 batches at most 3 per worker, one of them crashing: replacements happened.
					const starts = lines.filter((line) => line.startsWith("start ") && line.endsWith(stage));
					expect(starts.length).toBeGreaterThan(4);
				}
				expect(placementViolations(lines, machine.visible)).toEqual([]);
				if (streaming) expect(stagesMet(lines)).toBe(true);
			}),
		retriedCrashSkip(kit.supports),
	);
}

/**
 * What went wrong, replaying a journal of `start <pid> <devices> <gpus> <stage>`
 * and `stop <pid>` lines: a device outside `visible`, or a device whose live
 * workers hold more than one GPU of it (a worker of `gpus` >= 1 holds each of
 * its devices entirely).
 */
function placementViolations(lines: readonly string[], visible: readonly string[]): string[] {
	const violations: string[] = [];
	const live = new Map<string, { devices: string[]; share: number }>();
	for (const line of lines) {
		const [kind, pid = "", devices = "", gpus = "1"] = line.split(" ");
		if (kind === "stop") {
			live.delete(pid);
			continue;
		}
		const given = devices.split(",");
		for (const device of given) {
			if (!visible.includes(device)) {
				violations.push(`worker ${pid} got device ${device}, not in [${visible}]`);
			}
		}
		live.set(pid, { devices: given, share: Math.min(1, Number(gpus)) });
		const load = new Map<string, number>();
		for (const held of live.values()) {
			for (const device of held.devices) {
				load.set(device, (load.get(device) ?? 0) + held.share);
			}
		}
		for (const [device, used] of load) {
			if (used > 1 + 1e-9) violations.push(`device ${device} carries ${used} GPUs of live workers`);
		}
	}
	return violations;
}

/** Whether, replaying the journal, workers of two stages were ever live at the same time. */
function stagesMet(lines: readonly string[]): boolean {
	const live = new Map<string, string>();
	for (const line of lines) {
		const [kind, pid = "", , , stage = ""] = line.split(" ");
		if (kind === "stop") live.delete(pid);
		else live.set(pid, stage);
		if (new Set(live.values()).size > 1) return true;
	}
	return false;
}

/** Runs `work` with a fake `nvidia-smi` of `machine.installed` GPUs first on `PATH`. */
async function onSimulatedMachine<T>(
	dir: string,
	machine: Pick<Machine, "installed" | "inherited">,
	work: () => Promise<T>,
): Promise<T> {
	const bin = join(dir, "bin");
	await mkdir(bin);
	const fake = join(bin, "nvidia-smi");
	await writeFile(fake, `#!/bin/sh\n${"echo 81920\n".repeat(machine.installed)}`);
	await chmod(fake, 0o755);
	const saved = { path: process.env.PATH, visible: process.env.CUDA_VISIBLE_DEVICES };
	process.env.PATH = `${bin}${delimiter}${saved.path ?? ""}`;
	setEnv("CUDA_VISIBLE_DEVICES", machine.inherited);
	try {
		return await work();
	} finally {
		setEnv("PATH", saved.path);
		setEnv("CUDA_VISIBLE_DEVICES", saved.visible);
	}
}

function setEnv(name: string, value: string | undefined): void {
	if (value === undefined) delete process.env[name];
	else process.env[name] = value;
}
