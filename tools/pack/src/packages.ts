import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The repository's root folder. */
export const repoRoot = new URL("../../../", import.meta.url).pathname;

/** A publishable workspace package. */
export interface WorkspacePackage {
	name: string;
	dir: string;
	manifest: PackageManifest;
}

/** The fields of a package.json these checks read. */
export interface PackageManifest {
	name: string;
	version: string;
	private?: boolean;
	dependencies?: Record<string, string>;
	peerDependencies?: Record<string, string>;
	peerDependenciesMeta?: Record<string, { optional?: boolean }>;
	[field: string]: unknown;
}

/** Every package of `packages/` and `plugins/` that is not private, by name. */
export function publishablePackages(root = repoRoot): Map<string, WorkspacePackage> {
	const found = new Map<string, WorkspacePackage>();
	for (const group of ["packages", "plugins"]) {
		for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
			if (!entry.isDirectory()) continue;
			const dir = join(root, group, entry.name);
			const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
			if (manifest.private !== true)
				found.set(manifest.name, { name: manifest.name, dir, manifest });
		}
	}
	return found;
}

/**
 * The workspace packages an install of `names` needs: each with its
 * dependencies and required peers among the workspace's packages.
 */
export function workspaceClosure(
	names: readonly string[],
	packages: ReadonlyMap<string, WorkspacePackage>,
): string[] {
	const seen = new Set<string>();
	const visit = (name: string) => {
		const pkg = packages.get(name);
		if (pkg === undefined || seen.has(name)) return;
		seen.add(name);
		const { dependencies = {}, peerDependencies = {}, peerDependenciesMeta = {} } = pkg.manifest;
		for (const dep of Object.keys(dependencies)) visit(dep);
		for (const peer of Object.keys(peerDependencies)) {
			if (peerDependenciesMeta[peer]?.optional !== true) visit(peer);
		}
	};
	for (const name of names) visit(name);
	return [...seen].sort();
}

/** A packed package: its tarball and the files in it (paths inside the package). */
export interface PackedPackage {
	name: string;
	tarball: string;
	files: string[];
}

/** Packs every publishable package into `dest` with one `npm pack` (tool output to stderr). */
export function packAll(dest: string, root = repoRoot): Map<string, PackedPackage> {
	const names = [...publishablePackages(root).keys()];
	const args = ["pack", "--json", "--pack-destination", dest, ...names.flatMap((n) => ["-w", n])];
	const out = execFileSync("npm", args, {
		cwd: root,
		encoding: "utf8",
		stdio: ["ignore", "pipe", "ignore"],
	});
	const packed = JSON.parse(out) as { name: string; filename: string; files: { path: string }[] }[];
	return new Map(
		packed.map((p) => [
			p.name,
			{ name: p.name, tarball: join(dest, p.filename), files: p.files.map((f) => f.path) },
		]),
	);
}
