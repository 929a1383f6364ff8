import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { build } from "esbuild";
import { ShipError } from "./errors.ts";

/** One npm package (or the user's project) the shipped program reaches. */
export interface ReachedPackage {
	/** Its folder on this machine (real path). */
	dir: string;
	/** Where it goes inside the shipped package: `""` for the project, else `node_modules/...`. */
	dest: string;
	/** Its name (`""` when the project has none). */
	name: string;
	/** Its files that are reached (relative paths): what the project ships, and what a linked package ships beyond its published files. */
	files: string[];
}

/**
 * What a program needs on another machine: every module reachable from
 * `entries` by static imports, as esbuild's resolver finds them (the code is
 * not bundled: modules keep their files and `import.meta.url`). The project
 * (the folder of the nearest named package.json above `project`) ships only
 * its reached files; every other package ships whole, at the place Node's
 * resolution looks for it: its path below `node_modules/`, or for a linked
 * workspace package `node_modules/<name>`.
 */
export async function reachedPackages(
	entries: readonly string[],
	project: string,
): Promise<ReachedPackage[]> {
	// The folder itself when it holds a named package.json, else the nearest one above it.
	const root = packageDirOf(join(realpathSync(project), "package.json")) ?? realpathSync(project);
	const inputs = await reachedFiles(entries, root);
	const packages = new Map<string, ReachedPackage>();
	const dirOf = new Map<string, string>();
	for (const file of inputs) {
		// Files of one folder share their package: look it up once per folder.
		let dir = dirOf.get(dirname(file));
		if (dir === undefined) {
			dir = packageDirOf(file) ?? root;
			dirOf.set(dirname(file), dir);
		}
		let found = packages.get(dir);
		if (found === undefined) {
			found = { dir, dest: destinationOf(dir, root), name: packageName(dir), files: [] };
			packages.set(dir, found);
		}
		found.files.push(relative(dir, file));
	}
	if (!packages.has(root)) {
		packages.set(root, { dir: root, dest: "", name: packageName(root), files: [] });
	}
	checkNoClash([...packages.values()]);
	return [...packages.values()].sort((a, b) => a.dest.localeCompare(b.dest));
}

async function reachedFiles(entries: readonly string[], root: string): Promise<string[]> {
	let result: Awaited<ReturnType<typeof build>>;
	try {
		result = await build({
			entryPoints: [...entries],
			absWorkingDir: root,
			bundle: true,
			write: false,
			metafile: true,
			platform: "node",
			format: "esm",
			target: "node22",
			logLevel: "silent",
			// Native addons are loaded by path at run time; their packages travel whole.
			loader: { ".node": "empty", ".json": "json" },
			outdir: join(root, ".curator-ship-scan"),
		});
	} catch (error) {
		const first = (
			error as { errors?: { text: string; location?: { file: string; line: number } }[] }
		).errors?.[0];
		const where =
			first?.location === undefined ? "" : ` (${first.location.file}:${first.location.line})`;
		throw new ShipError(
			`cannot collect what the pipeline imports: ${first?.text ?? String(error)}${where}`,
		);
	}
	return Object.keys(result.metafile?.inputs ?? {})
		.filter((input) => !input.includes(":"))
		.map((input) => realpathSync(resolve(root, input)));
}

/**
 * Where `file` (of the project or of a reached package) is inside the shipped
 * package, or `undefined` when it is in neither. The deepest folder holding it
 * wins: a workspace package inside the project's folder goes to `node_modules/`.
 */
export function placeOf(packages: readonly ReachedPackage[], file: string): string | undefined {
	const real = resolve(file);
	let owner: ReachedPackage | undefined;
	for (const pkg of packages) {
		const holds = real === pkg.dir || real.startsWith(`${pkg.dir}${sep}`);
		if (holds && (owner === undefined || pkg.dir.length > owner.dir.length)) owner = pkg;
	}
	if (owner === undefined) return undefined;
	const inside = relative(owner.dir, real).split(sep).join("/");
	return owner.dest === "" ? inside : `${owner.dest}/${inside}`;
}

/** The folder of the nearest package.json with a name above `file` (type-only markers skipped). */
function packageDirOf(file: string): string | undefined {
	let dir = dirname(file);
	for (;;) {
		const manifest = join(dir, "package.json");
		if (existsSync(manifest) && packageName(dir) !== "") return dir;
		const parent = dirname(dir);
		if (parent === dir) return undefined;
		dir = parent;
	}
}

function packageName(dir: string): string {
	try {
		const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown };
		return typeof json.name === "string" ? json.name : "";
	} catch {
		return "";
	}
}

function destinationOf(dir: string, root: string): string {
	if (dir === root) return "";
	const parts = dir.split(sep);
	const first = parts.indexOf("node_modules");
	if (first >= 0) return parts.slice(first).join("/");
	// A linked workspace package: Node finds it by name from anywhere below the root.
	return `node_modules/${packageName(dir)}`;
}

function checkNoClash(packages: readonly ReachedPackage[]): void {
	const seen = new Map<string, string>();
	for (const pkg of packages) {
		const other = seen.get(pkg.dest);
		if (other !== undefined) {
			throw new ShipError(
				`two copies of ${pkg.name} (${other} and ${pkg.dir}) would go to ${pkg.dest}: install one version`,
			);
		}
		seen.set(pkg.dest, pkg.dir);
	}
}
