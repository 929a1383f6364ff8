import { deserialize, serialize } from "node:v8";
import {
	type ClassRef,
	CuratorError,
	classRefOf,
	ErrorCodes,
	isProcessingStage,
	isTask,
	type ProcessingStage,
	type Task,
} from "@curator/core";
import { fromPortable, rebuildInstance, toPortable } from "./portable.ts";

/** A stage in a form that can be rebuilt in another process. */
export interface StageDescriptor {
	/** The stage's name (for messages before it is rebuilt). */
	name: string;
	/** Where the stage's class lives. */
	ref: ClassRef;
	/** Modules to import before rebuilding (the class's and those of its fields' classes). */
	modules: string[];
	/** The stage's own fields, in portable form. */
	fields: unknown;
}

interface EncodedTasks {
	modules: string[];
	tasks: unknown[];
}

/**
 * Describes a stage for another process. Fails, naming the stage and the
 * field, when the stage's class is not registered or a field cannot travel.
 */
export function describeStage(stage: ProcessingStage): StageDescriptor {
	const cls = stage.constructor as abstract new () => unknown;
	const ref = classRefOf(cls);
	if (ref === undefined) {
		throw new CuratorError(
			ErrorCodes.notPortable,
			`stage "${stage.name}" cannot travel to a worker: its class ${cls.name} is not registered; call registerModule(import.meta.url, { ${cls.name} }) in its module`,
		);
	}
	const modules = new Set([ref.module]);
	const fields: Record<string, unknown> = {};
	for (const key of Object.keys(stage)) {
		try {
			fields[key] = toPortable((stage as unknown as Record<string, unknown>)[key], key, modules);
		} catch (error) {
			if (!(error instanceof CuratorError)) throw error;
			throw new CuratorError(
				ErrorCodes.notPortable,
				`stage "${stage.name}": field ${error.message}`,
			);
		}
	}
	return { name: stage.name, ref, modules: [...modules], fields };
}

/** A stage descriptor as bytes (opaque to everything but a worker host). */
export function encodeStage(stage: ProcessingStage): Uint8Array {
	return serialize(describeStage(stage));
}

/** Rebuilds a stage from its descriptor bytes: imports its modules, no constructor call. */
export async function decodeStage(bytes: Uint8Array): Promise<ProcessingStage> {
	const descriptor = deserialize(bytes) as StageDescriptor;
	await importModules(descriptor.modules);
	const stage = rebuildInstance(descriptor.ref, descriptor.fields as Record<string, unknown>);
	if (!isProcessingStage(stage)) {
		throw new CuratorError(
			ErrorCodes.notPortable,
			`${descriptor.ref.export} of ${descriptor.ref.module} is not a ProcessingStage`,
		);
	}
	return stage;
}

/** Encodes tasks (class, id, fields, perf history) in v8's compact binary format. */
export function encodeTasks(tasks: readonly Task[]): Uint8Array {
	const modules = new Set<string>();
	const portable = tasks.map((task) => {
		if (!isTask(task)) throw new CuratorError(ErrorCodes.invalidTask, "only tasks can be encoded");
		try {
			return toPortable(task, "task", modules);
		} catch (error) {
			if (!(error instanceof CuratorError)) throw error;
			throw new CuratorError(ErrorCodes.notPortable, `task ${task.taskId}: ${error.message}`);
		}
	});
	const encoded: EncodedTasks = { modules: [...modules], tasks: portable };
	return serialize(encoded);
}

/** Decodes tasks encoded by {@link encodeTasks}, importing their classes' modules. */
export async function decodeTasks(bytes: Uint8Array): Promise<Task[]> {
	const encoded = deserialize(bytes) as EncodedTasks;
	await importModules(encoded.modules);
	return encoded.tasks.map((task) => fromPortable(task) as Task);
}

const loaded = new Map<string, Promise<unknown>>();

/** Imports modules once per process (the registrations run as a side effect). */
export async function importModules(modules: readonly string[]): Promise<void> {
	await Promise.all(
		modules.map((module) => {
			let pending = loaded.get(module);
			if (pending === undefined) {
				pending = import(module);
				loaded.set(module, pending);
			}
			return pending;
		}),
	);
}
