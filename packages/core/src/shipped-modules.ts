import { CuratorError, ErrorCodes } from "./errors.ts";

/*
 * Module locations that survive a move to another machine. A pipeline shipped to a
 * cluster is unpacked into a different folder on every node, so the file: URL a module
 * registered under on one node means nothing on another. A module inside the shipped
 * package is recorded as `curator-app:<path inside the package>` and each process
 * imports it from its own copy: a process running from a copy names it in
 * CURATOR_APP_ROOT; the process that shipped its own files knows where each of its
 * folders went (shipModulesFrom).
 */

/** Environment variable naming this process's copy of a shipped package (file: URL or path). */
export const APP_ROOT_ENV = "CURATOR_APP_ROOT";

/** Scheme of a module location inside a shipped package. */
export const APP_SCHEME = "curator-app:";

/** A folder of this process's files and its place inside a shipped package. */
export interface ShippedPlace {
	/** The folder, as a file: URL ending in "/". */
	source: string;
	/** Its place inside the package: `""` (the package's root) or a path ending in "/". */
	place: string;
}

let root: string | null | undefined;
/** Where the folders of this process went, deepest source first and deepest place first. */
let bySource: readonly ShippedPlace[] = [];
let byPlace: readonly ShippedPlace[] = [];

/** The package root as a file: URL ending in "/", or `null` outside a copy of a package. */
function appRoot(): string | null {
	if (root !== undefined) return root;
	const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
		?.env;
	const value = env?.[APP_ROOT_ENV];
	if (value === undefined || value === "") {
		root = null;
	} else {
		const url = value.startsWith("file:") ? value : `file://${encodeURI(value)}`;
		root = url.endsWith("/") ? url : `${url}/`;
	}
	return root;
}

/**
 * How a module is recorded: `curator-app:<path>` for one inside the shipped package
 * (this process's copy of it, or a folder this process shipped), else unchanged.
 */
export function portableModule(moduleUrl: string): string {
	const base = appRoot();
	if (base !== null && moduleUrl.startsWith(base)) {
		return `${APP_SCHEME}${moduleUrl.slice(base.length)}`;
	}
	for (const { source, place } of bySource) {
		if (moduleUrl.startsWith(source)) {
			return `${APP_SCHEME}${place}${moduleUrl.slice(source.length)}`;
		}
	}
	return moduleUrl;
}

/**
 * Where to import a recorded module from in this process: a `curator-app:` location
 * becomes a file: URL in the local copy of the package, or in the folder this process
 * shipped there. Fails when the process has neither.
 */
export function localModule(module: string): string {
	if (!module.startsWith(APP_SCHEME)) return module;
	const path = module.slice(APP_SCHEME.length);
	const base = appRoot();
	if (base !== null) return `${base}${path}`;
	for (const { source, place } of byPlace) {
		if (path.startsWith(place)) return `${source}${path.slice(place.length)}`;
	}
	throw new CuratorError(
		ErrorCodes.protocol,
		`module ${module} belongs to a shipped package, but ${APP_ROOT_ENV} is not set in this process`,
	);
}

/**
 * For the run that ships them (an executor joining a cluster): records this process's
 * modules in the `shipped` folders at their place in the package, and finds the
 * package's modules in them. Returns the function that ends it.
 */
export function shipModulesFrom(shipped: readonly ShippedPlace[]): () => void {
	const previous = { bySource, byPlace };
	bySource = [...shipped].sort((a, b) => b.source.length - a.source.length);
	byPlace = [...shipped].sort((a, b) => b.place.length - a.place.length);
	return () => {
		({ bySource, byPlace } = previous);
	};
}

/** Forgets the cached root (tests change the environment). */
export function resetAppRoot(): void {
	root = undefined;
}
