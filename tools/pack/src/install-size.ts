/**
 * Installed size of Curator TS as a user gets it: packs every package, installs
 * each combination below from the tarballs into an empty project (third-party
 * packages from the registry, install scripts not run) and measures
 * `node_modules` with `du`, native addons (`*.node` files) and the packages
 * that declare an install script. Prints a table, or JSON with `--json`;
 * `--readme` also writes the table into the root README between its markers.
 *
 *     tools/env/with-node.sh npm run --silent sizes -w @curator/pack -- [--json] [--readme]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	type PackedPackage,
	packAll,
	publishablePackages,
	repoRoot,
	workspaceClosure,
} from "./packages.ts";

/** The combinations measured: what a user names in `npm install`. */
export const combinations: Record<string, readonly string[]> = {
	"core + local": ["@curator/core", "@curator/backend-local"],
	"core + actor-pool": ["@curator/core", "@curator/backend-actor-pool"],
	"core + data": ["@curator/core", "@curator/backend-data"],
	"core + xenna-bridge": ["@curator/core", "@curator/backend-xenna-bridge"],
	"core + text": ["@curator/core", "@curator/text"],
	"cli (no bridge)": ["@curator/cli"],
};

/** What one combination installs. */
export interface InstallSize {
	combination: string;
	/** `du -sk node_modules`, in KiB. */
	kib: number;
	packages: number;
	/** `*.node` files under `node_modules`. */
	nativeAddons: string[];
	/** Packages that declare an install script (npm would warn about them). */
	installScripts: string[];
	/** Whether `zeromq` is installed. */
	zeromq: boolean;
}

/** Installs `combination` from the tarballs in an empty project under `workDir` and measures it. */
export function measure(
	combination: string,
	packed: ReadonlyMap<string, PackedPackage>,
	workDir: string,
): InstallSize {
	const names = workspaceClosure(combinations[combination] ?? [], publishablePackages());
	const project = join(workDir, combination.replace(/[^a-z0-9]+/gi, "-"));
	mkdirSync(project, { recursive: true });
	const dependencies = Object.fromEntries(
		names.map((name) => [name, `file:${packed.get(name)?.tarball}`]),
	);
	writeFileSync(join(project, "package.json"), JSON.stringify({ private: true, dependencies }));
	const npmArgs = ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"];
	execFileSync("npm", npmArgs, { cwd: project, stdio: ["ignore", "ignore", "inherit"] });
	const modules = join(project, "node_modules");
	const lock = JSON.parse(readFileSync(join(project, "package-lock.json"), "utf8")) as {
		packages: Record<string, { hasInstallScript?: boolean }>;
	};
	const installed = Object.keys(lock.packages).filter((path) => path !== "");
	return {
		combination,
		kib: Number(execFileSync("du", ["-sk", modules], { encoding: "utf8" }).split("\t")[0]),
		packages: installed.length,
		nativeAddons: filesEndingWith(modules, ".node").map((file) => file.slice(modules.length + 1)),
		installScripts: installed
			.filter((path) => lock.packages[path]?.hasInstallScript === true)
			.map((path) => path.replace(/^.*node_modules\//, "")),
		zeromq: installed.some((path) => path.endsWith("node_modules/zeromq")),
	};
}

function filesEndingWith(dir: string, suffix: string): string[] {
	const entries = readdirSync(dir, { withFileTypes: true, recursive: true });
	return entries
		.filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
		.map((entry) => join(entry.parentPath, entry.name))
		.sort();
}

/** The sizes as a Markdown table. */
export function sizeTable(sizes: readonly InstallSize[]): string {
	const rows = sizes.map((s) => {
		const mib = (s.kib / 1024).toFixed(1);
		const addons = s.nativeAddons.length === 0 ? "none" : `${s.nativeAddons.length} files`;
		const scripts = s.installScripts.length === 0 ? "none" : s.installScripts.join(", ");
		return `| ${s.combination} | ${mib} MiB | ${s.packages} | ${addons} | ${scripts} |`;
	});
	const head = "| install | size | packages | native addons | install scripts |";
	return [head, "| --- | ---: | ---: | --- | --- |", ...rows].join("\n");
}

const start = "<!-- install-size:start -->";
const end = "<!-- install-size:end -->";

/** Replaces the table between the README's markers. */
export function withTable(readme: string, table: string): string {
	const from = readme.indexOf(start);
	const to = readme.indexOf(end);
	if (from === -1 || to < from) throw new Error(`README has no ${start} ... ${end} markers`);
	return `${readme.slice(0, from + start.length)}\n${table}\n${readme.slice(to)}`;
}

function main(argv: readonly string[]): void {
	const work = mkdtempSync(join(tmpdir(), "curator-install-size-"));
	try {
		const packed = packAll(work);
		const sizes = Object.keys(combinations).map((name) => measure(name, packed, work));
		const table = sizeTable(sizes);
		if (argv.includes("--readme")) {
			const file = join(repoRoot, "README.md");
			writeFileSync(file, withTable(readFileSync(file, "utf8"), table));
		}
		process.stdout.write(
			argv.includes("--json") ? `${JSON.stringify(sizes, null, 2)}\n` : `${table}\n`,
		);
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

if (import.meta.filename === process.argv[1]) main(process.argv.slice(2));
