import { copyFileSync, globSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import type { ReachedPackage } from "./closure.ts";

/*
 * Native addons carry builds for every platform (zeromq: 33 MB, of which 8 for
 * linux-x64). Cluster nodes are linux-x64 (the Node binary shipped with them is),
 * so a folder named for another platform or architecture stays behind.
 */
const otherPlatform =
	/^(darwin|win32|windows|freebsd|openbsd|netbsd|android|sunos|aix|mac|macos|osx)([-_.].*)?$|^(linux[-_])?(arm64|aarch64|arm|armv7|ia32|x86|ppc64|ppc64le|s390x|riscv64|loong64|mips.*)$/i;

/** Folders a package never needs at run time. */
const neverShipped = new Set(["node_modules", ".git", ".nx", ".turbo", "coverage"]);

/** Copies one reached package into `target` at its destination. */
export function copyPackage(pkg: ReachedPackage, target: string): void {
	const to = join(target, pkg.dest);
	if (pkg.dest === "") {
		copyFile(join(pkg.dir, "package.json"), join(to, "package.json"));
		for (const file of pkg.files) copyFile(join(pkg.dir, file), join(to, file));
		return;
	}
	const roots = publishedRoots(pkg.dir);
	for (const root of roots) copyTree(join(pkg.dir, root), join(to, root));
	// A linked package's modules that are imported but not published (its tests' fixtures).
	const published = (file: string) =>
		roots.some((root) => file === root || file.startsWith(`${root}${sep}`));
	for (const file of pkg.files) {
		if (!published(file)) copyFile(join(pkg.dir, file), join(to, file));
	}
}

/**
 * What an installed copy of the package holds: everything for a package under
 * node_modules (npm installed its published files), else (a linked workspace
 * package) its package.json and what its `files` field lists.
 */
function publishedRoots(dir: string): string[] {
	if (dir.split(sep).includes("node_modules")) return readdirSync(dir);
	const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
		files?: unknown;
	};
	if (!Array.isArray(manifest.files)) return readdirSync(dir);
	const roots = new Set(["package.json"]);
	for (const pattern of manifest.files) {
		if (typeof pattern !== "string") continue;
		for (const match of globSync(pattern, { cwd: dir })) roots.add(match);
	}
	return [...roots];
}

function copyTree(from: string, to: string): void {
	const stat = statSync(from, { throwIfNoEntry: false });
	if (stat === undefined) return;
	if (stat.isFile()) {
		copyFile(from, to);
		return;
	}
	if (!stat.isDirectory()) return;
	for (const entry of readdirSync(from)) {
		if (neverShipped.has(entry) || otherPlatform.test(entry)) continue;
		copyTree(join(from, entry), join(to, entry));
	}
}

function copyFile(from: string, to: string): void {
	mkdirSync(dirname(to), { recursive: true });
	copyFileSync(from, to);
}
