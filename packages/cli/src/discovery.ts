import { existsSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** An installed package that registers a backend in its package.json. */
export interface InstalledBackend {
	/** Short name, from `"curator": { "backend": "<name>" }`. */
	name: string;
	/** npm package name. */
	packageName: string;
	version: string;
	description: string;
	/** The package's folder. */
	dir: string;
}

/** The parts of a package.json the CLI reads. */
export interface PackageJson {
	name?: string;
	version?: string;
	description?: string;
	main?: string;
	exports?: unknown;
	curator?: { backend?: unknown };
	peerDependencies?: Record<string, string>;
}

const cliDir = dirname(fileURLToPath(import.meta.url));

/**
 * The folders where packages are looked up, in order: the `node_modules`
 * folders from `cwd` up to the root (the user's project), then those from the
 * CLI's own location up (where a global or `npx` install keeps its peers).
 */
export function searchFolders(cwd: string, from = cliDir): string[] {
	const folders = [...ancestors(resolve(cwd)), ...ancestors(from)]
		.filter((dir) => !/[\\/]node_modules$/.test(dir))
		.map((dir) => join(dir, "node_modules"));
	return [...new Set(folders)].filter((dir) => existsSync(dir));
}

/** The folder of package `name` as seen from `cwd` (see {@link searchFolders}), if installed. */
export function findPackage(name: string, cwd: string, from = cliDir): string | undefined {
	const own = enclosingPackage(cwd);
	if (own !== undefined && own.json.name === name) return own.dir;
	for (const folder of searchFolders(cwd, from)) {
		const dir = join(folder, name);
		if (existsSync(join(dir, "package.json"))) return dir;
	}
	return undefined;
}

/**
 * Every installed package that registers a backend, as seen from `cwd`: the
 * project's own package (so a backend's author can run it from its folder),
 * then the packages of {@link searchFolders}. The first package found for a
 * name wins; sorted by name.
 */
export async function findInstalledBackends(
	cwd: string,
	from = cliDir,
): Promise<InstalledBackend[]> {
	const found = new Map<string, InstalledBackend>();
	const own = enclosingPackage(cwd);
	const candidates = own === undefined ? [] : [own.dir];
	for (const folder of searchFolders(cwd, from)) candidates.push(...(await packageDirs(folder)));
	const backends = await Promise.all(candidates.map((dir) => registeredBackend(dir)));
	for (const backend of backends) {
		if (backend !== undefined && !found.has(backend.name)) found.set(backend.name, backend);
	}
	return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Reads a package's package.json; `undefined` when it has none or it is not JSON. */
export async function readPackageJson(dir: string): Promise<PackageJson | undefined> {
	try {
		return JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as PackageJson;
	} catch {
		return undefined;
	}
}

async function registeredBackend(dir: string): Promise<InstalledBackend | undefined> {
	const json = await readPackageJson(dir);
	const name = json?.curator?.backend;
	if (json === undefined || typeof name !== "string" || typeof json.name !== "string") {
		return undefined;
	}
	return {
		name,
		packageName: json.name,
		version: json.version ?? "",
		description: json.description ?? "",
		dir,
	};
}

async function packageDirs(folder: string): Promise<string[]> {
	const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
	const dirs: string[] = [];
	for (const entry of entries) {
		if (entry.name.startsWith(".") || !(entry.isDirectory() || entry.isSymbolicLink())) continue;
		const dir = join(folder, entry.name);
		if (!entry.name.startsWith("@")) {
			dirs.push(dir);
			continue;
		}
		const scoped = await readdir(dir).catch(() => []);
		dirs.push(...scoped.filter((name) => !name.startsWith(".")).map((name) => join(dir, name)));
	}
	return dirs;
}

function enclosingPackage(cwd: string): { dir: string; json: PackageJson } | undefined {
	for (const dir of ancestors(resolve(cwd))) {
		if (!existsSync(join(dir, "package.json"))) continue;
		if (dir.split(/[\\/]/).includes("node_modules")) return undefined;
		try {
			const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
			return { dir, json };
		} catch {
			return undefined;
		}
	}
	return undefined;
}

function ancestors(start: string): string[] {
	const dirs: string[] = [];
	for (let dir = start; ; dir = dirname(dir)) {
		dirs.push(dir);
		if (dirname(dir) === dir) return dirs;
	}
}
