import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import {
	BaseExecutor,
	type ExecutionContext,
	type ProcessingStage,
	shipModulesFrom,
	type Task,
} from "@curator/core";
import { backendName, XennaEnvironmentError } from "./errors.ts";
import { type XennaConfig, xennaConfigSchema, xennaDefaults, xennaStageSchema } from "./options.ts";
import { bridgePaths, resolvePython } from "./python.ts";
import { runPipeline } from "./run.ts";
import { shippedProgram, shipsItself } from "./ship/program.ts";

/** Capabilities of the Xenna bridge (`streaming` only in the streaming execution mode). */
export const xennaSupports = {
	multiNode: true,
	processIsolation: true,
	abort: true,
	retries: true,
	ignoreFailures: true,
	streaming: true,
} as const;

/**
 * Resource kinds beyond CPUs the bridge hands to Xenna: GPUs (fractions
 * allowed; `gpuMemoryGb` counts as one GPU). Xenna 0.2.0 cannot schedule
 * video codecs, and the bridge does not pass `entireGpu` on.
 */
export const xennaSchedules = ["gpus", "gpuMemoryGb"] as const;

/**
 * Runs a pipeline on Ray through Cosmos-Xenna (the counterpart of NeMo
 * Curator's `XennaExecutor`), while the stages stay TypeScript. Each run
 * starts the Python driver (`python -m ray_js_bridge`), which builds a Xenna
 * pipeline of stages named after the TypeScript stage classes; every Xenna
 * actor starts a Node worker host from `@curator/runtime` and forwards
 * batches to it as opaque bytes. Ray is joined (`rayAddress`) or started
 * for the run and shut down after it.
 */
export class XennaExecutor extends BaseExecutor<XennaConfig> {
	constructor(config: XennaConfig = {}) {
		const streaming = (config?.executionMode ?? xennaDefaults.executionMode) === "streaming";
		super(config, {
			backend: backendName,
			supports: { ...xennaSupports, streaming },
			schedules: xennaSchedules,
			configSchema: xennaConfigSchema,
			stageOptions: { key: "xenna", schema: xennaStageSchema },
		});
	}

	protected override async executeStages(
		stages: ProcessingStage[],
		initialTasks: Task[],
		context: ExecutionContext,
	): Promise<Task[]> {
		const paths = bridgePaths();
		const python = resolvePython(this.config.python, paths);
		if (python === undefined) {
			throw new XennaEnvironmentError(
				"no Python interpreter is configured and the project venv does not exist",
			);
		}
		const workerEntry = workerHostEntry();
		const rayAddress = this.config.rayAddress ?? process.env.RAY_ADDRESS;
		const program = shipsItself(rayAddress, this.config.ship)
			? await shippedProgram(workerEntry, python, this.config.project ?? process.cwd())
			: undefined;
		// Descriptors, inputs and worker paths name this process's modules by their place in
		// the package while the run lasts, and outputs are read back from its own folders.
		const endShipping = program === undefined ? () => {} : shipModulesFrom(program.places);
		try {
			return await runPipeline(stages, initialTasks, {
				config: this.config,
				python,
				paths,
				workerEntry,
				ignoreHeadNode: this.ignoreHeadNode,
				context,
				...(program === undefined ? {} : { ship: program.dirs }),
			});
		} finally {
			endShipping();
		}
	}
}

/** Absolute path of the worker host the actors start (this package's, over ZeroMQ). */
export function workerHostEntry(): string {
	const specifier = "@curator/backend-xenna-bridge/worker-host";
	try {
		return fileURLToPath(import.meta.resolve(specifier));
	} catch {
		return createRequire(import.meta.url).resolve(specifier);
	}
}
