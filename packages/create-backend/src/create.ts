import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { renderTemplates } from "./render.ts";
import { baseValues, type TemplateValues } from "./values.ts";

/** Options of {@link createBackend}. */
export interface CreateBackendOptions {
	/** The folder to write (created; must be empty if it exists). */
	dir: string;
	/** Backend short name; default: the folder's name without a `curator-backend-` or `backend-` prefix. */
	name?: string | undefined;
	/** npm package name; default: the folder's name. */
	packageName?: string | undefined;
	description?: string | undefined;
}

/** The packages a standalone backend depends on, with the ranges this starter was released with. */
const dependencyKeys = {
	coreRange: "@curator/core",
	conformanceRange: "@curator/conformance",
	textRange: "@curator/text",
	cliRange: "@curator/cli",
	vitestRange: "vitest",
	typescriptRange: "typescript",
	biomeRange: "@biomejs/biome",
	typesNodeRange: "@types/node",
} as const;

/**
 * The values of a standalone backend package: the names, and the version
 * ranges of what it depends on, which are this package's own devDependencies
 * (so releasing the Curator TS packages updates them in one place).
 */
export function standaloneValues(options: CreateBackendOptions): TemplateValues {
	const folder = basename(resolve(options.dir));
	const name = options.name ?? folder.replace(/^(curator-)?backend-/, "");
	const values = baseValues({
		name,
		packageName: options.packageName ?? folder,
		description: options.description,
		testCommand: "npm test",
	});
	const own = JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as {
		devDependencies?: Record<string, string>;
	};
	for (const [key, pkg] of Object.entries(dependencyKeys)) {
		const range = own.devDependencies?.[pkg];
		if (range === undefined)
			throw new Error(`create-backend: no range for ${pkg} in its package.json`);
		values[key] = range;
	}
	return values;
}

/** Writes a standalone backend package into `options.dir`; resolves to the files written. */
export function createBackend(options: CreateBackendOptions): string[] {
	const dir = resolve(options.dir);
	if (existsSync(dir) && readdirSync(dir).length > 0) {
		throw new Error(`create-backend: ${options.dir} is not empty`);
	}
	const files = renderTemplates("standalone", standaloneValues(options));
	for (const [path, content] of files) {
		mkdirSync(dirname(join(dir, path)), { recursive: true });
		writeFileSync(join(dir, path), content);
	}
	return [...files.keys()];
}
