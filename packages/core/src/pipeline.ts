import { isCompositeStage } from "./composite.ts";
import { CuratorError, ErrorCodes } from "./errors.ts";
import type { BaseExecutor, RunOptions, RunResult } from "./executor.ts";
import { describeBatchSize } from "./limits.ts";
import { type PipelineStage, resolveStages } from "./plan.ts";
import { isProcessingStage, type ProcessingStage } from "./stage.ts";
import type { Task } from "./task.ts";

/**
 * An ordered list of stages. `build()` decomposes composites, assigns the
 * source and sink roles and validates; `run()` executes on any backend.
 */
export class Pipeline {
	readonly name: string;
	readonly description: string;
	#stages: PipelineStage[] = [];

	constructor(options: { name: string; description?: string; stages?: PipelineStage[] }) {
		this.name = options.name;
		this.description = options.description ?? "";
		for (const stage of options.stages ?? []) this.addStage(stage);
	}

	/** Appends a stage or composite; anything else is rejected. */
	addStage(stage: PipelineStage): this {
		if (!isProcessingStage(stage) && !isCompositeStage(stage)) {
			throw new CuratorError(
				ErrorCodes.invalidPipeline,
				`pipeline "${this.name}": addStage expects a ProcessingStage or CompositeStage`,
			);
		}
		this.#stages.push(stage);
		return this;
	}

	/** The stages as added (composites not yet decomposed). */
	get stages(): readonly PipelineStage[] {
		return this.#stages;
	}

	/** The execution stages: decomposed, validated, roles assigned. */
	build(): ProcessingStage[] {
		try {
			return resolveStages(this.#stages);
		} catch (error) {
			if (error instanceof CuratorError) {
				error.message = `pipeline "${this.name}": ${error.message}`;
			}
			throw error;
		}
	}

	/** A readable description of the execution stages. */
	describe(): string {
		const stages = this.build();
		const lines = [`Pipeline "${this.name}" (${stages.length} stages)`];
		if (this.description) lines.push(`  ${this.description}`);
		stages.forEach((stage, index) => {
			const r = stage.resources;
			const role = stage.role === undefined ? "" : ` [${stage.role}]`;
			const gpu = r.requiresGpu ? ` gpus=${r.gpus || `${r.gpuMemoryGb}GiB`}` : "";
			lines.push(
				`  ${index + 1}. ${stage.name}${role} batchSize=${describeBatchSize(stage.batchSize)} cpus=${r.cpus}${gpu}`,
			);
		});
		return lines.join("\n");
	}

	/** Builds and runs on `executor`; initial tasks get root ids `0_0`, `0_1`, ... */
	async run(
		executor: BaseExecutor,
		initialTasks?: readonly Task[],
		options?: RunOptions,
	): Promise<RunResult> {
		const pipeline = {
			name: this.name,
			...(this.description === "" ? {} : { description: this.description }),
		};
		return executor.run(this.build(), initialTasks, { pipeline, ...options });
	}
}
