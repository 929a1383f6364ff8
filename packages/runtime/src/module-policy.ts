import { APP_SCHEME, CuratorError, ErrorCodes, isRegisteredModule } from "@curator/core";

/*
 * Which modules a process may import to rebuild stage and task classes.
 * Messages and task payloads name modules, and importing one runs its code:
 * a process imports only what the run's own registry sent (the stage
 * descriptors of its `init` requests), and only file: URLs, package names
 * and places inside a shipped package (`curator-app:`), never `data:`,
 * `http:`, `node:` or other URLs.
 */

/** Modules the stage descriptors received here allowed, for the tasks that follow. */
const allowed = new Set<string>();

/** A package name with an optional subpath: `pkg`, `@scope/pkg`, `pkg/sub/path.js`. */
const packageName = /^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(?:\/[\w.-]+)*$/i;

/** Why `module` can never be imported here, or `undefined` when its form is acceptable. */
export function specifierProblem(module: unknown): string | undefined {
	if (typeof module !== "string" || module.length === 0) return "is not a module specifier";
	if (module.startsWith("file:")) {
		return URL.canParse(module) ? undefined : "is not a valid file: URL";
	}
	if (module.startsWith(APP_SCHEME)) {
		const path = module.slice(APP_SCHEME.length);
		const inside = path !== "" && !path.startsWith("/") && !path.split("/").includes("..");
		return inside ? undefined : "is not a path inside the shipped package";
	}
	if (packageName.test(module) && !module.split("/").includes("..")) return undefined;
	return "is neither a file: URL, a package name nor a place in a shipped package";
}

/**
 * Adds a run's registered modules (sent with its stage descriptors) to those
 * this process may import. Fails, before anything is imported, on a
 * specifier of another form.
 */
export function allowModules(modules: readonly unknown[]): void {
	for (const module of modules) {
		const problem = specifierProblem(module);
		if (problem !== undefined) throw refused(module, problem);
	}
	for (const module of modules) allowed.add(module as string);
}

/**
 * Fails unless `module` may be imported here: it registered classes in this
 * process already (nothing to import), or a stage descriptor allowed it.
 */
export function checkImportable(module: unknown): void {
	const problem = specifierProblem(module);
	if (problem !== undefined) throw refused(module, problem);
	if (allowed.has(module as string) || isRegisteredModule(module as string)) return;
	throw refused(module, "is not one of the run's registered modules");
}

function refused(module: unknown, problem: string): CuratorError {
	const shown = typeof module === "string" ? JSON.stringify(module.slice(0, 200)) : String(module);
	return new CuratorError(
		ErrorCodes.protocol,
		`refused to import module ${shown}: it ${problem} (a worker imports only file: URLs and package names sent with the run's stage descriptors)`,
	);
}
