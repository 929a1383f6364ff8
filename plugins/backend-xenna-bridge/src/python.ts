import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the bridge's Python side lives, and how to set it up. */
export interface BridgePaths {
	/** Root of this package (holds `python/`). */
	packageRoot: string;
	/** `python/src`: put on `PYTHONPATH` so the driver runs without being installed. */
	pythonSource: string;
	/** The Curator TS checkout this package sits in, when it does. */
	repoRoot: string | undefined;
	/** The project venv's interpreter (made by `tools/env/python-venv.sh`). */
	venvPython: string | undefined;
}

/** Finds the package's Python sources and, in a checkout, the project venv. */
export function bridgePaths(): BridgePaths {
	// src/python.ts or dist/index.js: the package root is one level up either way.
	const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
	const candidate = resolve(packageRoot, "..", "..");
	const repoRoot = existsSync(join(candidate, "tools", "env", "python-venv.sh"))
		? candidate
		: undefined;
	return {
		packageRoot,
		pythonSource: join(packageRoot, "python", "src"),
		repoRoot,
		venvPython:
			repoRoot === undefined ? undefined : join(repoRoot, ".tools", "venv", "bin", "python"),
	};
}

/** The exact command that sets up a Python environment for the bridge. */
export function setupCommand(paths: BridgePaths = bridgePaths()): string {
	if (paths.repoRoot !== undefined) return join(paths.repoRoot, "tools", "env", "python-venv.sh");
	const project = join(paths.packageRoot, "python");
	return `python3.12 -m venv .venv && .venv/bin/pip install '${project}' && export CURATOR_XENNA_PYTHON=$PWD/.venv/bin/python`;
}

/**
 * The interpreter to run the driver with: `configured`, else
 * `CURATOR_XENNA_PYTHON`, else the project venv (`undefined` when none exists).
 */
export function resolvePython(
	configured: string | undefined,
	paths: BridgePaths = bridgePaths(),
): string | undefined {
	if (configured !== undefined) return configured;
	const fromEnv = process.env.CURATOR_XENNA_PYTHON;
	if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
	return paths.venvPython !== undefined && existsSync(paths.venvPython)
		? paths.venvPython
		: undefined;
}
