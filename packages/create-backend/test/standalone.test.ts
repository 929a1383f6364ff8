import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify, stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A backend package started with the packed starter in a temporary folder outside the
// repository, installed from tarballs of this workspace's packages (third-party packages come
// from the registry), then linted, type-checked, put through the conformance kit, built and run
// by the packed CLI. One install; every command has a time limit and is killed at it.

const repoRoot = new URL("../../../", import.meta.url).pathname;
const minutes = (n: number) => n * 60_000;
const npm = "npm";
let dir = "";
let project = "";

async function run(
	command: string,
	args: string[],
	cwd: string,
	timeoutMs = minutes(4),
): Promise<{ stdout: string; stderr: string }> {
	// A nested vitest must not think it runs inside this one.
	const env = Object.fromEntries(
		Object.entries({ ...process.env, NO_COLOR: "1" }).filter(
			([key]) => !key.startsWith("VITEST") && key !== "FORCE_COLOR" && key !== "NODE_OPTIONS",
		),
	);
	try {
		const result = await promisify(execFile)(command, args, {
			cwd,
			env,
			timeout: timeoutMs,
			killSignal: "SIGKILL",
			maxBuffer: 64 << 20,
		});
		return {
			stdout: stripVTControlCharacters(result.stdout),
			stderr: stripVTControlCharacters(result.stderr),
		};
	} catch (error) {
		const { stdout, stderr } = error as { stdout?: string; stderr?: string };
		throw new Error(`${command} ${args.join(" ")} failed:\n${stdout ?? ""}\n${stderr ?? ""}`, {
			cause: error,
		});
	}
}

/** The workspace's publishable packages by name, with their folders and package.json. */
async function workspacePackages(): Promise<Map<string, { dir: string; json: PackageJson }>> {
	const found = new Map<string, { dir: string; json: PackageJson }>();
	for (const group of ["packages", "plugins"]) {
		for (const name of await readdir(join(repoRoot, group))) {
			const pkgDir = join(repoRoot, group, name);
			const json = JSON.parse(
				await readFile(join(pkgDir, "package.json"), "utf8").catch(() => "{}"),
			) as PackageJson;
			if (json.name !== undefined && json.private !== true)
				found.set(json.name, { dir: pkgDir, json });
		}
	}
	return found;
}

interface PackageJson {
	name?: string;
	private?: boolean;
	version?: string;
	dependencies?: Record<string, string>;
	devDependencies?: Record<string, string>;
	peerDependencies?: Record<string, string>;
	peerDependenciesMeta?: Record<string, { optional?: boolean }>;
	overrides?: Record<string, string>;
}

/** The workspace packages `roots` need, following dependencies and required peers. */
function closure(roots: string[], packages: Map<string, { json: PackageJson }>): string[] {
	const needed = new Set<string>();
	const visit = (name: string) => {
		const pkg = packages.get(name);
		if (pkg === undefined || needed.has(name)) return;
		needed.add(name);
		const { dependencies = {}, peerDependencies = {}, peerDependenciesMeta = {} } = pkg.json;
		for (const dep of Object.keys(dependencies)) visit(dep);
		for (const peer of Object.keys(peerDependencies)) {
			if (peerDependenciesMeta[peer]?.optional !== true) visit(peer);
		}
	};
	for (const root of roots) visit(root);
	return [...needed].sort();
}

/** Packs `names` into `dir`; resolves to each name's tarball file name. */
async function pack(
	names: string[],
	packages: Map<string, { dir: string }>,
): Promise<Map<string, string>> {
	const tarballs = new Map<string, string>();
	for (const name of names) {
		const pkgDir = packages.get(name)?.dir ?? "";
		const { stdout } = await run(npm, ["pack", "--silent", "--pack-destination", dir], pkgDir);
		tarballs.set(name, stdout.trim().split("\n").at(-1) ?? "");
	}
	return tarballs;
}

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "curator-create-backend-"));
	const packages = await workspacePackages();
	const starter = await pack(["@curator/create-backend"], packages);
	await run(
		npm,
		[
			"exec",
			"--yes",
			`--package=${join(dir, starter.get("@curator/create-backend") ?? "")}`,
			"--",
			"create-curator-backend",
			"curator-backend-acme",
			"--description",
			"Acme backend",
		],
		dir,
	);
	project = join(dir, "curator-backend-acme");
	const json = JSON.parse(await readFile(join(project, "package.json"), "utf8")) as PackageJson;
	const wanted = Object.keys(json.devDependencies ?? {}).filter((name) => packages.has(name));
	const tarballs = await pack(closure(wanted, packages), packages);
	// Every Curator TS package, direct or not, from its tarball (overrides must equal direct specs).
	const local = Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:../${file}`]));
	for (const name of Object.keys(json.devDependencies ?? {})) {
		if (local[name] !== undefined) (json.devDependencies ?? {})[name] = local[name];
	}
	json.overrides = local;
	await writeFile(join(project, "package.json"), `${JSON.stringify(json, null, "\t")}\n`);
	await run(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline"], project, minutes(8));
}, minutes(12));

afterAll(async () => {
	if (dir !== "") await rm(dir, { recursive: true, force: true });
});

describe("a backend started with create-curator-backend outside the repository", () => {
	it("lints clean with its own Biome config", { timeout: minutes(1) }, async () => {
		await run(npm, ["run", "lint"], project);
	});

	it("type-checks", { timeout: minutes(2) }, async () => {
		await run(npm, ["run", "typecheck"], project);
	});

	it("passes the conformance kit", { timeout: minutes(5) }, async () => {
		const report = join(dir, "report.json");
		await run(npm, ["test", "--", "--reporter=json", `--outputFile=${report}`], project);
		const result = JSON.parse(await readFile(report, "utf8")) as {
			numFailedTests: number;
			numPassedTests: number;
		};
		expect(result.numFailedTests).toBe(0);
		expect(result.numPassedTests).toBeGreaterThan(30);
	});

	it("builds and runs the demo on the packed CLI by its short name", {
		timeout: minutes(3),
	}, async () => {
		await run(npm, ["run", "build"], project);
		const out = join(dir, "demo-out");
		const args = ["curator", "run", "demo", "--backend", "acme", "--output", out, "--json"];
		const { stdout, stderr } = await run(
			npm,
			["exec", "--", ...args, "--progress", "none"],
			project,
		);
		expect(stderr).toBe("");
		expect(JSON.parse(stdout)).toMatchObject({ pipeline: "demo", backend: "acme", ok: true });
		const listed = await run(npm, ["exec", "--", "curator", "backends", "--json"], project);
		expect(JSON.parse(listed.stdout)).toContainEqual({
			name: "acme",
			package: "curator-backend-acme",
			version: "0.1.0",
			description: "Acme backend",
			ok: true,
		});
	});
});
