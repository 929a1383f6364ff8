import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Pipeline } from "@curator/core";
import { UsageError } from "./errors.ts";
import { createDemoPipeline, type PipelineOptions } from "./examples/demo.ts";

/** A pipeline factory, as a pipeline file's `createPipeline` export. */
export type PipelineFactory = (options: PipelineOptions) => Pipeline | Promise<Pipeline>;

/** Built-in examples, runnable by name (`curator run demo`). */
export const examples: Readonly<Record<string, { description: string; create: PipelineFactory }>> =
	{
		demo: {
			description: "the embedded sample through heuristic filters and exact dedup, to JSONL",
			create: createDemoPipeline,
		},
	};

/** Where a pipeline came from and how it can be configured. */
export interface LoadedPipeline {
	/** `createPipeline(options)`, or `undefined` when the file exports a ready `Pipeline`. */
	factory: PipelineFactory | undefined;
	/** A ready pipeline (the file's default export), when there is no factory. */
	pipeline: Pipeline | undefined;
	/** The file or example name. */
	source: string;
}

/**
 * Finds a pipeline: a built-in example by name, or a `.ts`/`.js` module
 * (Node strips the types) exporting `createPipeline(options)` or a
 * `Pipeline` as its default export. Problems are usage errors (exit 2).
 */
export async function loadPipeline(target: string, cwd: string): Promise<LoadedPipeline> {
	const example = examples[target];
	if (example !== undefined)
		return { factory: example.create, pipeline: undefined, source: target };
	const path = resolve(cwd, target);
	if (!existsSync(path)) {
		throw new UsageError(
			`pipeline file not found: ${target} (built-in examples: ${Object.keys(examples).join(", ")})`,
		);
	}
	let module: Record<string, unknown>;
	try {
		module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		throw new UsageError(`cannot load pipeline file ${target}: ${message.split("\n")[0]}`);
	}
	if (typeof module.createPipeline === "function") {
		return {
			factory: module.createPipeline as PipelineFactory,
			pipeline: undefined,
			source: target,
		};
	}
	if (isPipeline(module.default))
		return { factory: undefined, pipeline: module.default, source: target };
	if (typeof module.default === "function") {
		return { factory: module.default as PipelineFactory, pipeline: undefined, source: target };
	}
	throw new UsageError(
		`pipeline file ${target} exports neither createPipeline(options) nor a default Pipeline`,
	);
}

/** Builds the pipeline for these options; only a factory can take --input, --output, --mode, --batch-size. */
export async function instantiate(
	loaded: LoadedPipeline,
	options: PipelineOptions,
	explicit: { input: boolean; output: boolean; mode: boolean; batchSize: boolean },
): Promise<Pipeline> {
	if (loaded.factory === undefined) {
		const given = Object.entries({
			"--input": explicit.input,
			"--output": explicit.output,
			"--mode": explicit.mode,
			"--batch-size": explicit.batchSize,
		})
			.filter(([, set]) => set)
			.map(([flag]) => flag);
		if (given.length > 0) {
			throw new UsageError(
				`${loaded.source} exports a ready Pipeline, so ${given.join(", ")} cannot be applied (export createPipeline(options) instead)`,
			);
		}
		return loaded.pipeline as Pipeline;
	}
	const pipeline = await loaded.factory(options);
	if (!isPipeline(pipeline)) {
		throw new UsageError(`createPipeline of ${loaded.source} did not return a Pipeline`);
	}
	return pipeline;
}

function isPipeline(value: unknown): value is Pipeline {
	return (
		typeof value === "object" &&
		value !== null &&
		typeof (value as Pipeline).run === "function" &&
		typeof (value as Pipeline).build === "function" &&
		typeof (value as Pipeline).describe === "function"
	);
}
