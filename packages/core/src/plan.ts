import { isCompositeStage } from "./composite.ts";
import { CuratorError, ErrorCodes } from "./errors.ts";
import { isProcessingStage, type ProcessingStage } from "./stage.ts";

/** Anything `Pipeline.addStage` accepts. */
export type PipelineStage = ProcessingStage | import("./composite.ts").CompositeStage;

/**
 * Turns user stages into execution stages: decomposes composites, validates
 * settings, makes names unique (`Name#2` for a repeated name) and assigns
 * roles: at most one explicit source and one explicit sink; otherwise the
 * first stage is the source and the last the sink. Returns copies; the
 * caller's stages are not changed.
 */
export function resolveStages(stages: readonly unknown[]): ProcessingStage[] {
	if (stages.length === 0) throw invalid("a pipeline needs at least one stage");
	const flat: ProcessingStage[] = [];
	for (const stage of stages) {
		if (isCompositeStage(stage)) flat.push(...stage.expand());
		else if (isProcessingStage(stage)) flat.push(stage);
		else throw invalid(`not a stage: ${describe(stage)}`);
	}
	if (flat.length === 0) throw invalid("the pipeline's composites produced no stages");
	const seen = new Map<string, number>();
	const resolved = flat.map((stage) => {
		validateSettings(stage);
		const count = (seen.get(stage.name) ?? 0) + 1;
		seen.set(stage.name, count);
		return count === 1 ? stage.with({}) : stage.with({ name: `${stage.name}#${count}` });
	});
	assignRoles(resolved);
	return resolved;
}

/** Index of the source stage of resolved stages. */
export function sourceIndex(stages: readonly ProcessingStage[]): number {
	const index = stages.findIndex((stage) => stage.role === "source");
	return index === -1 ? 0 : index;
}

function assignRoles(stages: ProcessingStage[]): void {
	const sources = stages.filter((stage) => stage.role === "source");
	const sinks = stages.filter((stage) => stage.role === "sink");
	if (sources.length > 1) {
		throw invalid(`more than one explicit source: ${sources.map((s) => s.name).join(", ")}`);
	}
	if (sinks.length > 1) {
		throw invalid(`more than one explicit sink: ${sinks.map((s) => s.name).join(", ")}`);
	}
	const first = stages[0] as ProcessingStage;
	const last = stages[stages.length - 1] as ProcessingStage;
	if (sources.length === 0 && first.role === undefined) first.role = "source";
	if (sinks.length === 0 && last.role === undefined) last.role = "sink";
}

function validateSettings(stage: ProcessingStage): void {
	if (typeof stage.name !== "string" || stage.name.length === 0) {
		throw invalid("every stage needs a non-empty name");
	}
	if (!Number.isInteger(stage.batchSize) || stage.batchSize < 1) {
		throw invalid(`stage "${stage.name}": batchSize must be a whole number >= 1`);
	}
	const workers = stage.numWorkers();
	if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) {
		throw invalid(`stage "${stage.name}": numWorkers() must be a whole number >= 1`);
	}
	if (stage.role !== undefined && stage.role !== "source" && stage.role !== "sink") {
		throw invalid(`stage "${stage.name}": unknown role "${String(stage.role)}"`);
	}
}

function describe(value: unknown): string {
	if (value === null || typeof value !== "object") return String(value);
	return `an instance of ${value.constructor?.name ?? "Object"}`;
}

function invalid(message: string): CuratorError {
	return new CuratorError(ErrorCodes.invalidPipeline, `invalid pipeline: ${message}`);
}
