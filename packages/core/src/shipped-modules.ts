import { CuratorError, ErrorCodes } from "./errors.ts";

/*
 * Module locations that survive a move to another machine. A pipeline shipped to a
 * cluster is unpacked into a different folder on every node, so the file: URL a module
 * registered under on one node means nothing on another. Each process of a shipped run
 * names its own copy of the package in CURATOR_APP_ROOT; a module inside it is recorded
 * as `curator-app:<path inside the package>` and imported from the local copy.
 */

/** Environment variable naming this process's copy of a shipped package (file: URL or path). */
export const APP_ROOT_ENV = "CURATOR_APP_ROOT";

/** Scheme of a module location inside a shipped package. */
export const APP_SCHEME = "curator-app:";

let root: string | null | undefined;

/** The package root as a file: URL ending in "/", or `null` outside a shipped run. */
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
 * How a module is recorded: `curator-app:<path>` for one inside this process's shipped
 * package, else unchanged.
 */
export function portableModule(moduleUrl: string): string {
	const base = appRoot();
	if (base === null || !moduleUrl.startsWith(base)) return moduleUrl;
	return `${APP_SCHEME}${moduleUrl.slice(base.length)}`;
}

/**
 * Where to import a recorded module from in this process: a `curator-app:` location
 * becomes a file: URL inside the local copy of the package. Fails when the process
 * has no shipped package.
 */
export function localModule(module: string): string {
	if (!module.startsWith(APP_SCHEME)) return module;
	const base = appRoot();
	if (base === null) {
		throw new CuratorError(
			ErrorCodes.protocol,
			`module ${module} belongs to a shipped package, but ${APP_ROOT_ENV} is not set in this process`,
		);
	}
	return `${base}${module.slice(APP_SCHEME.length)}`;
}

/** Forgets the cached root (tests change the environment). */
export function resetAppRoot(): void {
	root = undefined;
}
