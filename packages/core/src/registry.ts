import { CuratorError, ErrorCodes } from "./errors.ts";
import { localModule, portableModule } from "./shipped-modules.ts";
import { RUN_IN_WORKER_FIX } from "./worker-role.ts";

/** Where a class lives: a module specifier or file URL and its export name. */
export interface ClassRef {
	module: string;
	export: string;
}

// biome-ignore lint/suspicious/noExplicitAny: any class may be registered
type AnyClass = abstract new (...args: any[]) => unknown;

const registryKey = Symbol.for("curator.registry");

interface Registry {
	byClass: WeakMap<AnyClass, ClassRef>;
	byRef: Map<string, AnyClass>;
}

/** One registry per process, shared by every copy of this package. */
function registry(): Registry {
	const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
	let found = holder[registryKey];
	if (found === undefined) {
		found = { byClass: new WeakMap(), byRef: new Map() };
		holder[registryKey] = found;
	}
	return found;
}

/**
 * Registers the stage and task classes of one module so they can travel to
 * other processes: call it once per module with `import.meta.url` and the
 * exported classes, under the names they are exported as.
 *
 * Every worker imports the module to rebuild its classes, so the module must
 * not run a pipeline when imported: keep registered stages and tasks in a
 * module of their own, or guard a top-level run with `if (import.meta.main)`
 * (Node 22.18+; on older Node 22, `if (import.meta.filename === process.argv[1])`).
 * A run started inside a worker fails with `CURATOR_RUN_IN_WORKER`.
 *
 * ```ts
 * export class UpperStage extends ProcessingStage<LinesTask, LinesTask> { ... }
 * registerModule(import.meta.url, { UpperStage, LinesTask });
 * ```
 */
export function registerModule(moduleUrl: string, classes: Record<string, AnyClass>): void {
	if (typeof moduleUrl !== "string" || moduleUrl.length === 0) {
		throw new CuratorError(ErrorCodes.invalidStage, "registerModule needs the module's URL");
	}
	const { byClass, byRef } = registry();
	for (const [exportName, cls] of Object.entries(classes)) {
		if (typeof cls !== "function") {
			throw new CuratorError(
				ErrorCodes.invalidStage,
				`registerModule: "${exportName}" of ${moduleUrl} is not a class`,
			);
		}
		const ref = { module: moduleUrl, export: exportName };
		byClass.set(cls, ref);
		byRef.set(refKey(ref.module, ref.export), cls);
	}
}

/**
 * How to register `className`, said the same way by every message that asks
 * for it: with `registerModule` in its module, which workers import.
 */
export function registerHint(className: string): string {
	return `call registerModule(import.meta.url, { ${className} }) in its module, and ${RUN_IN_WORKER_FIX}, since every worker imports that module`;
}

/**
 * The registered location of `cls`, if any, as other processes find it (a module
 * of a shipped package by its place in it: see `portableModule`).
 */
export function classRefOf(cls: AnyClass): ClassRef | undefined {
	const ref = registry().byClass.get(cls);
	if (ref === undefined) return undefined;
	// Encoding asks once per batch: only a module of a shipped package gets a new ref.
	const module = portableModule(ref.module);
	return module === ref.module ? ref : { module, export: ref.export };
}

/** The class registered at `ref` in this process, if its module was loaded. */
export function registeredClass(ref: ClassRef): AnyClass | undefined {
	const module = hereOrUndefined(ref.module);
	return module === undefined ? undefined : registry().byRef.get(refKey(module, ref.export));
}

/** The modules that registered classes in this process (or thread), as other processes find them. */
export function registeredModules(): string[] {
	const modules = new Set<string>();
	for (const key of registry().byRef.keys()) {
		modules.add(portableModule(key.slice(0, key.lastIndexOf("#"))));
	}
	return [...modules];
}

/** Whether `module` registered classes in this process (or thread). */
export function isRegisteredModule(module: string): boolean {
	const here = hereOrUndefined(module);
	if (here === undefined) return false;
	const prefix = `${here}#`;
	for (const key of registry().byRef.keys()) if (key.startsWith(prefix)) return true;
	return false;
}

/** `module` as this process registered it, or `undefined` when it cannot be here. */
function hereOrUndefined(module: string): string | undefined {
	try {
		return localModule(module);
	} catch {
		return undefined;
	}
}

function refKey(module: string, exportName: string): string {
	return `${module}#${exportName}`;
}
