import {
	type ClassRef,
	CuratorError,
	classRefOf,
	ErrorCodes,
	Resources,
	registeredClass,
} from "@curator/core";

/** Marks an encoded class instance inside portable data. */
const CLASS_TAG = "\u0000curator.class";
const RESOURCES_TAG = "\u0000curator.resources";

/**
 * Converts a value into structured-clone data that keeps class identity:
 * registered class instances become `{ref, fields}` records, `Resources`
 * becomes plain data. Functions, symbols and instances of unregistered
 * classes cannot travel; the error names the path of the offending field.
 */
export function toPortable(value: unknown, path: string, modules?: Set<string>): unknown {
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
	if (Array.isArray(value))
		return value.map((item, i) => toPortable(item, `${path}[${i}]`, modules));
	if (isCloneableBuiltin(value)) return value;
	const proto = Object.getPrototypeOf(value);
	if (proto === Object.prototype || proto === null) {
		return mapFields(value as Record<string, unknown>, path, modules);
	}
	if (value instanceof Resources) return { [RESOURCES_TAG]: value.toJSON() };
	const ctor = (value as object).constructor as abstract new () => unknown;
	const ref = classRefOf(ctor);
	if (ref === undefined) {
		throw notPortable(
			path,
			`an instance of ${ctor?.name ?? "an unknown class"}, which is not registered (registerModule)`,
		);
	}
	modules?.add(ref.module);
	return { [CLASS_TAG]: ref, fields: mapFields(value as Record<string, unknown>, path, modules) };
}

/** Rebuilds what {@link toPortable} produced; the classes' modules must be loaded. */
export function fromPortable(value: unknown): unknown {
	if (typeof value !== "object" || value === null || isCloneableBuiltin(value)) return value;
	if (Array.isArray(value)) return value.map(fromPortable);
	const record = value as Record<string, unknown>;
	const resources = record[RESOURCES_TAG];
	if (resources !== undefined) return new Resources(resources as Record<string, number>);
	const ref = record[CLASS_TAG] as ClassRef | undefined;
	if (ref === undefined) {
		const out: Record<string, unknown> = {};
		for (const [key, field] of Object.entries(record)) out[key] = fromPortable(field);
		return out;
	}
	return rebuildInstance(ref, record.fields as Record<string, unknown>);
}

/** Creates an instance of the registered class `ref` from portable fields, without its constructor. */
export function rebuildInstance(ref: ClassRef, fields: Record<string, unknown>): unknown {
	const cls = registeredClass(ref);
	if (cls === undefined) {
		throw new CuratorError(
			ErrorCodes.notPortable,
			`class ${ref.export} of ${ref.module} is not registered in this process (does the module call registerModule?)`,
		);
	}
	const instance = Object.create(cls.prototype) as Record<string, unknown>;
	for (const [key, field] of Object.entries(fields)) {
		instance[key] = fromPortable(field);
	}
	return instance;
}

function mapFields(
	value: Record<string, unknown>,
	path: string,
	modules: Set<string> | undefined,
): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(value))
		out[key] = toPortable(value[key], `${path}.${key}`, modules);
	return out;
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
