import { deserialize, serialize } from "node:v8";
import {
	type ClassRef,
	CuratorError,
	classRefOf,
	ErrorCodes,
	isProcessingStage,
	isTask,
	localModule,
	noteWorkerImport,
	type ProcessingStage,
	registeredModules,
	registerHint,
	type Task,
} from "@curator/core";
import { allowModules, checkImportable, specifierProblem } from "./module-policy.ts";
import { readTaskPayload, writeTaskPayload } from "./payload-format.ts";
import {
	classFor,
	fromPortable,
	rebuildInstance,
	type Shell,
	shellOf,
	toPortable,
} from "./portable.ts";
import { columnsOf, type TaskColumns } from "./task-columns.ts";
import { tasksFromColumns } from "./tasks-from-columns.ts";

/** A stage in a form that can be rebuilt in another process. */
export interface StageDescriptor {
	/** The stage's name (for messages before it is rebuilt). */
	name: string;
	/** Where the stage's class lives. */
	ref: ClassRef;
	/** Modules to import before rebuilding (the class's and those of its fields' classes). */
	modules: string[];
	/**
	 * Every module registered where the stage was described: the only ones a
	 * worker may import for the task classes of the batches that follow.
	 */
	registry: string[];
	/** The stage's own fields, in portable form. */
	fields: unknown;
}

/**
 * A batch of tasks in portable form: plain structured-clone data plus the
 * modules whose classes it contains. Node transports (IPC with advanced
 * serialization, worker threads) clone it natively; {@link encodeTasks} turns
 * it into bytes for transports that need them.
 */
export interface PortableBatch {
	modules: string[];
	/** The task classes of the batch, referenced by index from each task. */
	classes: ClassRef[];
	/** The tasks one by one (empty when `columns` holds them). */
	tasks: unknown[];
	/** The tasks field by field, when they share one class and one shape and need no conversion. */
	columns?: TaskColumns;
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
			`stage "${stage.name}" cannot travel to a worker: its class ${cls.name} is not registered; ${registerHint(cls.name)}`,
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
	return { name: stage.name, ref, modules: [...modules], registry: portableRegistry(), fields };
}

/** The registered modules a worker may be asked to import (those of an importable form). */
function portableRegistry(): string[] {
	return registeredModules().filter((module) => specifierProblem(module) === undefined);
}

/** A stage descriptor as bytes (opaque to everything but a worker host). */
export function encodeStage(stage: ProcessingStage): Uint8Array {
	return serialize(describeStage(stage));
}

/**
 * Rebuilds a stage from its descriptor bytes: imports its modules, no
 * constructor call. The descriptor's modules and registry become the
 * modules this process may import for tasks (see `importModules`).
 */
export async function decodeStage(bytes: Uint8Array): Promise<ProcessingStage> {
	const descriptor = deserialize(bytes) as Partial<StageDescriptor> | null;
	const { modules, registry, ref } = descriptor ?? {};
	if (!Array.isArray(modules) || !Array.isArray(registry) || typeof ref?.export !== "string") {
		throw new CuratorError(
			ErrorCodes.protocol,
			"a stage descriptor needs ref, modules and registry",
		);
	}
	allowModules([ref.module, ...modules, ...registry]);
	await importModules(modules);
	const stage = rebuildInstance(ref, descriptor?.fields as Record<string, unknown>);
	if (!isProcessingStage(stage)) {
		throw new CuratorError(
			ErrorCodes.notPortable,
			`${ref.export} of ${ref.module} is not a ProcessingStage`,
		);
	}
	return stage;
}

/** One task in portable form: its class's index in the batch, whether its fields are plain, its fields. */
type PortableTask = [classIndex: number, plain: boolean, fields: Record<string, unknown>];

/**
 * Tasks (class, id, fields, perf history) as a {@link PortableBatch}: in
 * column layout when they share one class and one shape and no field needs
 * conversion (the common case, and much cheaper to clone), else row by row.
 */
export function packTasks(tasks: readonly Task[]): PortableBatch {
	const first = tasks[0];
	if (first !== undefined && tasks.length > 1 && isTask(first)) {
		const modules = new Set<string>();
		const ref = classRefOfTask(first);
		modules.add(ref.module);
		const needsConversion = (value: unknown, key: string, task: object) =>
			convert(value, key, task as Task, modules) !== value;
		const columns = columnsOf(tasks, needsConversion);
		if (columns !== undefined) return { modules: [...modules], classes: [ref], tasks: [], columns };
	}
	return packRows(tasks);
}

function packRows(tasks: readonly Task[]): PortableBatch {
	const modules = new Set<string>();
	const classes: ClassRef[] = [];
	const classIndex = new Map<unknown, number>();
	const portable = tasks.map((task): PortableTask => {
		if (!isTask(task)) throw new CuratorError(ErrorCodes.invalidTask, "only tasks can be encoded");
		const ctor = task.constructor;
		let index = classIndex.get(ctor);
		if (index === undefined) {
			const ref = classRefOfTask(task);
			modules.add(ref.module);
			index = classes.push(ref) - 1;
			classIndex.set(ctor, index);
		}
		const fields: Record<string, unknown> = {};
		let plain = true;
		for (const key of Object.keys(task)) {
			const value = (task as unknown as Record<string, unknown>)[key];
			// The perf history is plain data written by the framework itself.
			const converted = key === "stagePerf" ? value : convert(value, key, task, modules);
			if (converted !== value) plain = false;
			fields[key] = converted;
		}
		return [index, plain, fields];
	});
	return { modules: [...modules], classes, tasks: portable };
}

function classRefOfTask(task: Task): ClassRef {
	const ref = classRefOf(task.constructor as abstract new () => unknown);
	if (ref === undefined) {
		throw new CuratorError(
			ErrorCodes.notPortable,
			`task ${task.taskId} cannot travel to a worker: its class ${task.constructor.name} is not registered; ${registerHint(task.constructor.name)}`,
		);
	}
	return ref;
}

function convert(value: unknown, key: string, task: Task, modules: Set<string>): unknown {
	try {
		return toPortable(value, key, modules);
	} catch (error) {
		if (!(error instanceof CuratorError)) throw error;
		throw new CuratorError(ErrorCodes.notPortable, `task ${task.taskId}: field ${error.message}`);
	}
}

/** Rebuilds the tasks of a {@link PortableBatch}, importing their classes' modules. */
export async function unpackTasks(batch: PortableBatch): Promise<Task[]> {
	await importModules(batch.modules);
	const shells = batch.classes.map((ref) => shellOf(classFor(ref).prototype as object));
	const { columns } = batch;
	if (columns !== undefined) {
		return tasksFromColumns(columns, shells[0] as Shell) as Task[];
	}
	return (batch.tasks as PortableTask[]).map(([index, plain, fields]) => {
		const task = new (shells[index] as Shell)();
		for (const key in fields) task[key] = plain ? fields[key] : fromPortable(fields[key]);
		return task as unknown as Task;
	});
}

/**
 * Encodes tasks as bytes for byte transports: a format header (see
 * `TASKS_FORMAT_VERSION`), then v8's compact binary format.
 */
export function encodeTasks(tasks: readonly Task[]): Uint8Array {
	return writeTaskPayload(packTasks(tasks));
}

/**
 * Decodes tasks encoded by {@link encodeTasks}; a payload of another format
 * version fails with `CURATOR_PROTOCOL`.
 */
export async function decodeTasks(bytes: Uint8Array): Promise<Task[]> {
	return unpackTasks(readTaskPayload(bytes) as PortableBatch);
}

/** Decodes a batch in either form. */
export async function readBatch(batch: Uint8Array | PortableBatch): Promise<Task[]> {
	return batch instanceof Uint8Array ? decodeTasks(batch) : unpackTasks(batch);
}

const loaded = new Map<string, Promise<unknown>>();
const ready = new Set<string>();

/**
 * Imports modules once per process (the registrations run as a side effect).
 * Only modules that already registered classes here or that a stage
 * descriptor received here allowed, and only file: URLs and package names;
 * any other fails the whole call before anything is imported.
 */
export async function importModules(modules: readonly string[]): Promise<void> {
	if (!Array.isArray(modules)) {
		throw new CuratorError(ErrorCodes.protocol, "a batch's modules must be a list");
	}
	if (modules.every((module) => ready.has(module))) return;
	for (const module of modules) if (!ready.has(module)) checkImportable(module);
	await Promise.all(
		modules.map((module) => {
			let pending = loaded.get(module);
			if (pending === undefined) {
				pending = import(localModule(module)).then(() => ready.add(module));
				noteWorkerImport(module, pending);
				loaded.set(module, pending);
			}
			return pending;
		}),
	);
}
