import { readFileSync } from "node:fs";
import { join, posix, relative } from "node:path";
import { type PackageManifest, type PackedPackage, repoRoot } from "./packages.ts";

/** Manifest fields a published package must carry. */
const requiredFields = ["license", "repository", "homepage", "keywords", "engines"] as const;

/** What is wrong with a packed package's contents and manifest (empty when nothing). */
export function contentProblems(packed: PackedPackage, dir: string): string[] {
	const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageManifest;
	const files = new Set(packed.files);
	const problems: string[] = [];
	for (const file of ["package.json", "README.md", "LICENSE"]) {
		if (!files.has(file)) problems.push(`${file} is not in the tarball`);
	}
	for (const field of requiredFields) {
		const value = manifest[field];
		if (value === undefined || (Array.isArray(value) && value.length === 0)) {
			problems.push(`package.json has no "${field}"`);
		}
	}
	const repository = manifest.repository as { directory?: string } | undefined;
	const folder = relative(repoRoot, dir);
	if (repository !== undefined && repository.directory !== folder) {
		problems.push(`package.json's repository.directory is not "${folder}"`);
	}
	const exports = manifest.exports as Record<string, unknown> | undefined;
	if (exports?.["./package.json"] !== "./package.json") {
		problems.push('package.json does not export "./package.json"');
	}
	if (files.has("README.md")) {
		const readme = readFileSync(join(dir, "README.md"), "utf8");
		problems.push(...linkProblems(readme, files));
	}
	return problems;
}

/** Relative links of a README that do not name a file (or folder) of the tarball. */
export function linkProblems(readme: string, files: ReadonlySet<string>): string[] {
	const problems: string[] = [];
	for (const target of relativeLinks(readme)) {
		const path = posix.normalize(target);
		if (path.startsWith("../")) {
			problems.push(`README links outside the package: ${target}`);
		} else if (!files.has(path) && ![...files].some((file) => file.startsWith(`${path}/`))) {
			problems.push(`README links to ${target}, which is not in the tarball`);
		}
	}
	return problems;
}

/** Targets of the Markdown links that point into the package (no scheme, no bare anchor). */
function relativeLinks(markdown: string): string[] {
	const withoutCode = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
	const targets = [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(
		(m) => m[1] ?? "",
	);
	return targets
		.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith("#"))
		.map((target) => decodeURI(target.split("#")[0] ?? ""))
		.filter((target) => target !== "");
}
