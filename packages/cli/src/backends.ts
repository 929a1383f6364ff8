import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BackendDescriptor, descriptorProblem } from "@curator/core";
import {
	findInstalledBackends,
	findPackage,
	type InstalledBackend,
	type PackageJson,
	readPackageJson,
} from "./discovery.ts";
import { BackendUnavailableError } from "./errors.ts";

/** A backend ready to run: its descriptor and the package it came from. */
export interface LoadedBackend {
	descriptor: BackendDescriptor;
	packageName: string;
	version: string;
}

/** An installed backend and whether it loads (`problem` says why not). */
export type BackendListing = InstalledBackend & { problem: string | undefined };

/** The export of a backend package that holds its descriptor. */
export const DESCRIPTOR_EXPORT = "backend";

const packageNamePattern = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/;

/**
 * Loads the backend `spec` names: the short name a package installed in the
 * project (or beside the CLI) registers, else a package name, resolved from
 * `cwd` first, then from the CLI's location. Throws
 * {@link BackendUnavailableError} with one line saying what is installed and
 * how to install a backend.
 */
export async function loadBackend(spec: string, cwd: string): Promise<LoadedBackend> {
	const installed = await findInstalledBackends(cwd);
	const registered = installed.find((backend) => backend.name === spec);
	const dir =
		registered?.dir ?? (packageNamePattern.test(spec) ? findPackage(spec, cwd) : undefined);
	if (dir === undefined) {
		throw new BackendUnavailableError(spec, await unknownBackend(spec, installed, cwd));
	}
	const json = (await readPackageJson(dir)) ?? {};
	const packageName = json.name ?? spec;
	const descriptor = descriptorOf(await importFrom(dir, json, spec), packageName);
	const claimed = json.curator?.backend;
	if (typeof claimed === "string" && claimed !== descriptor.name) {
		throw new BackendUnavailableError(
			spec,
			`${packageName} registers backend "${claimed}" in its package.json, but its descriptor is named "${descriptor.name}"`,
		);
	}
	return { descriptor, packageName, version: json.version ?? "" };
}

/** Imports an installed package by name, as {@link loadBackend} finds it. */
export async function importPackage(
	packageName: string,
	cwd: string,
): Promise<Record<string, unknown>> {
	const dir = findPackage(packageName, cwd);
	if (dir === undefined) {
		throw new BackendUnavailableError(
			packageName,
			`${packageName} is not installed (npm install ${packageName})`,
		);
	}
	return importFrom(dir, (await readPackageJson(dir)) ?? {}, packageName);
}

/** Every installed backend (see `findInstalledBackends`), each loaded once to check it. */
export async function listBackends(cwd: string): Promise<BackendListing[]> {
	const installed = await findInstalledBackends(cwd);
	return Promise.all(
		installed.map(async (backend) => {
			try {
				await loadBackend(backend.packageName, cwd);
				return { ...backend, problem: undefined };
			} catch (error) {
				return { ...backend, problem: error instanceof Error ? error.message : String(error) };
			}
		}),
	);
}

/** The packages of the backends shipped with the CLI (its optional peers) that are not installed. */
export async function missingBuiltIns(cwd: string): Promise<string[]> {
	const own = (await readPackageJson(join(import.meta.dirname, ".."))) ?? {};
	return Object.keys(own.peerDependencies ?? {})
		.filter((name) => /\/backend-/.test(name))
		.filter((name) => findPackage(name, cwd) === undefined);
}

async function unknownBackend(
	spec: string,
	installed: InstalledBackend[],
	cwd: string,
): Promise<string> {
	const names = installed.map((backend) => backend.name).join(", ") || "none";
	const what = spec.includes("/")
		? `backend package ${spec} is not installed`
		: `unknown backend "${spec}"`;
	const missing = await missingBuiltIns(cwd);
	const example = missing.length > 0 ? `, e.g. npm install ${missing.join(" ")}` : "";
	return `${what} (installed: ${names}; install one with npm install <package>${example}, then use --backend <its name or package>)`;
}

async function importFrom(
	dir: string,
	json: PackageJson,
	spec: string,
): Promise<Record<string, unknown>> {
	const entry = packageEntry(json);
	try {
		return (await import(pathToFileURL(join(dir, entry)).href)) as Record<string, unknown>;
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		throw new BackendUnavailableError(
			spec,
			`${json.name ?? spec} failed to load: ${message.split("\n")[0]}`,
		);
	}
}

function descriptorOf(module: Record<string, unknown>, packageName: string): BackendDescriptor {
	const descriptor = module[DESCRIPTOR_EXPORT];
	const problem = descriptorProblem(descriptor);
	if (problem === undefined) return descriptor as BackendDescriptor;
	const why = descriptor === undefined ? "it has no such export" : problem;
	throw new BackendUnavailableError(
		packageName,
		`${packageName} does not export a backend descriptor as "${DESCRIPTOR_EXPORT}" (${why}; see defineBackend in @curator/core)`,
	);
}

/** The file a package's main entry point names (`exports["."]` for Node's `import`, else `main`). */
export function packageEntry(json: PackageJson): string {
	const root =
		typeof json.exports === "object" && json.exports !== null && "." in json.exports
			? (json.exports as Record<string, unknown>)["."]
			: json.exports;
	return conditionTarget(root) ?? json.main ?? "index.js";
}

function conditionTarget(value: unknown): string | undefined {
	if (typeof value === "string") return value;
	if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
	const conditions = value as Record<string, unknown>;
	for (const key of ["node", "import", "default"]) {
		const target = conditionTarget(conditions[key]);
		if (target !== undefined) return target;
	}
	return undefined;
}
