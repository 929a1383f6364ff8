import {
	type ClassRef,
	CuratorError,
	classRefOf,
	ErrorCodes,
	Resources,
	registeredClass,
	registerHint,
} from "@curator/core";

/** Marks an encoded class instance inside portable data. */
const CLASS_TAG = "\u0000curator.class";
const RESOURCES_TAG = "\u0000curator.resources";

/**
 * Converts a value into structured-clone data that keeps class identity:
 * registered class instances become `{ref, fields}` records, `Resources`
 * becomes plain data. Functions, symbols, instances of unregistered
 * classes and circular references cannot travel; the error names the path
 * of the offending field.
 *
 * Copy on write: a value that needs no conversion anywhere inside is
 * returned as is (same reference), which callers use to skip the way back.
 */
export function toPortable(value: unknown, path: string, modules?: Set<string>): unknown {
	try {
		return convertValue(value, path, modules);
	} catch (error) {
		// A cycle overflows the stack: only then look for it, so the common path pays nothing.
		if (!(error instanceof RangeError)) throw error;
		const cycle = findCycle(value, path, new Map());
		if (cycle === undefined) throw error;
		throw notPortable(cycle.path, `a circular reference back to ${cycle.target}`);
	}
}

function convertValue(value: unknown, path: string, modules?: Set<string>): unknown {
	switch (typeof value) {
		case "function":
			throw notPortable(path, `a function (${(value as { name?: string }).name || "anonymous"})`);
		case "symbol":
			throw notPortable(path, "a symbol");
		case "object":
			break;
		default:
			return value;
	}
	if (value === null) return value;
	if (Array.isArray(value)) return arrayToPortable(value, path, modules);
	if (isCloneableBuiltin(value)) return value;
	const proto = Object.getPrototypeOf(value);
	if (proto === Object.prototype || proto === null) {
		return fieldsToPortable(value as Record<string, unknown>, path, modules, false);
	}
	if (value instanceof Resources) return { [RESOURCES_TAG]: value.toJSON() };
	const ctor = (value as object).constructor as abstract new () => unknown;
	const ref = classRefOf(ctor);
	if (ref === undefined) {
		const name = ctor?.name || "an unknown class";
		throw notPortable(
			path,
			`an instance of ${name}, which is not registered; ${registerHint(name)}`,
		);
	}
	modules?.add(ref.module);
	const fields = fieldsToPortable(value as Record<string, unknown>, path, modules, true);
	return { [CLASS_TAG]: ref, fields };
}

/** Rebuilds what {@link toPortable} produced; the classes' modules must be loaded. */
export function fromPortable(value: unknown): unknown {
	if (typeof value !== "object" || value === null || isCloneableBuiltin(value)) return value;
	if (Array.isArray(value)) {
		let out: unknown[] | undefined;
		for (let i = 0; i < value.length; i++) {
			const item = value[i];
			const rebuilt = typeof item === "object" && item !== null ? fromPortable(item) : item;
			if (rebuilt !== item) {
				out ??= value.slice();
				out[i] = rebuilt;
			}
		}
		return out ?? value;
	}
	const record = value as Record<string, unknown>;
	const resources = record[RESOURCES_TAG];
	if (resources !== undefined) return new Resources(resources as Record<string, number>);
	const ref = record[CLASS_TAG] as ClassRef | undefined;
	if (ref !== undefined) return rebuildInstance(ref, record.fields as Record<string, unknown>);
	for (const key in record) {
		const field = record[key];
		if (typeof field === "object" && field !== null) record[key] = fromPortable(field);
	}
	return record;
}

/** Creates an instance of the registered class `ref` from portable fields, without its constructor. */
export function rebuildInstance(ref: ClassRef, fields: Record<string, unknown>): unknown {
	const cls = classFor(ref);
	const instance = Object.create(cls.prototype) as Record<string, unknown>;
	for (const key in fields) instance[key] = fromPortable(fields[key]);
	return instance;
}

/** A constructor without a body whose instances inherit from one prototype. */
export type Shell = new () => Record<string, unknown>;

const shells = new WeakMap<object, Shell>();

/**
 * The {@link Shell} of `prototype`, made once per prototype. Rebuilt tasks
 * are made with it rather than `Object.create`: V8 sizes objects per
 * constructor, so a task's fields then live in the object itself instead of
 * an extra property array, which matters for batches of many small tasks.
 */
export function shellOf(prototype: object): Shell {
	let shell = shells.get(prototype);
	if (shell === undefined) {
		// biome-ignore lint/complexity/useArrowFunction: an arrow function cannot be a constructor.
		const made = function () {} as unknown as {
			new (): Record<string, unknown>;
			prototype: object;
		};
		made.prototype = prototype;
		shell = made;
		shells.set(prototype, shell);
	}
	return shell;
}

let lastRef: ClassRef | undefined;
let lastClass: (abstract new () => unknown) | undefined;

/** The registered class of `ref` (the last one is cached: batches repeat the same class). */
export function classFor(ref: ClassRef): abstract new () => unknown {
	if (lastRef !== undefined && lastRef.module === ref.module && lastRef.export === ref.export) {
		return lastClass as abstract new () => unknown;
	}
	const cls = registeredClass(ref);
	if (cls === undefined) {
		throw new CuratorError(
			ErrorCodes.notPortable,
			`class ${ref.export} of ${ref.module} is not registered in this process; ${registerHint(ref.export)}`,
		);
	}
	lastRef = ref;
	lastClass = cls as abstract new () => unknown;
	return lastClass;
}

function arrayToPortable(
	value: unknown[],
	path: string,
	modules: Set<string> | undefined,
): unknown[] {
	let out: unknown[] | undefined;
	for (let i = 0; i < value.length; i++) {
		const item = value[i];
		const type = typeof item;
		if (item === null || (type !== "object" && type !== "function" && type !== "symbol")) continue;
		const converted = convertValue(item, `${path}[${i}]`, modules);
		if (converted !== item) {
			out ??= value.slice();
			out[i] = converted;
		}
	}
	return out ?? value;
}

function fieldsToPortable(
	value: Record<string, unknown>,
	path: string,
	modules: Set<string> | undefined,
	alwaysCopy: boolean,
): Record<string, unknown> {
	let out: Record<string, unknown> | undefined = alwaysCopy ? {} : undefined;
	for (const key of Object.keys(value)) {
		const field = value[key];
		const type = typeof field;
		const converted =
			field === null || (type !== "object" && type !== "function" && type !== "symbol")
				? field
				: convertValue(field, `${path}.${key}`, modules);
		if (out !== undefined) out[key] = converted;
		else if (converted !== field) {
			out = { ...value };
			out[key] = converted;
		}
	}
	return out ?? value;
}

/** The first field path, in {@link toPortable}'s walk order, that leads back to one of its own ancestors. */
function findCycle(
	value: unknown,
	path: string,
	ancestors: Map<object, string>,
): { path: string; target: string } | undefined {
	if (typeof value !== "object" || value === null) return undefined;
	if (isCloneableBuiltin(value) || value instanceof Resources) return undefined;
	const target = ancestors.get(value);
	if (target !== undefined) return { path, target };
	ancestors.set(value, path);
	const record = value as Record<string, unknown>;
	const isArray = Array.isArray(value);
	for (const key of Object.keys(value)) {
		const found = findCycle(record[key], isArray ? `${path}[${key}]` : `${path}.${key}`, ancestors);
		if (found !== undefined) return found;
	}
	ancestors.delete(value);
	return undefined;
}

function isCloneableBuiltin(value: object): boolean {
	return (
		ArrayBuffer.isView(value) ||
		value instanceof ArrayBuffer ||
		value instanceof Date ||
		value instanceof RegExp ||
		value instanceof Map ||
		value instanceof Set
	);
}

function notPortable(path: string, what: string): CuratorError {
	return new CuratorError(
		ErrorCodes.notPortable,
		`${path} cannot travel to a worker: it holds ${what}`,
	);
}
