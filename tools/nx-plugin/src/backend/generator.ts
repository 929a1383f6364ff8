import { join } from "node:path";
import {
	formatFiles,
	type GeneratorCallback,
	generateFiles,
	logger,
	names,
	offsetFromRoot,
	readJson,
	type Tree,
	updateJson,
} from "@nx/devkit";

/** Options of the `backend` generator (see `schema.json`). */
export interface BackendGeneratorSchema {
	/** Backend name in kebab-case; the plugin goes to `plugins/backend-<name>`. */
	name: string;
	/** One-line package description. */
	description?: string;
	/** Also add the backend to the root `test/` conformance runs (default true). */
	e2e?: boolean;
}

/** Everything the templates use. */
export interface BackendTemplateValues {
	name: string;
	projectRoot: string;
	packageName: string;
	description: string;
	executorClass: string;
	adapterClass: string;
	supportsConst: string;
	offsetFromRoot: string;
	coreRange: string;
	vitestVersion: string;
}

const namePattern = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Scaffolds `plugins/backend-<name>`: package.json, tsconfig.json,
 * tsup.config.ts, README.md, an in-process executor on `BaseExecutor` (that
 * passes the conformance kit as generated), its adapter, and a test file
 * that runs the kit. With `e2e`, the root `test/` runs the kit on it too.
 */
export default async function backendGenerator(
	tree: Tree,
	schema: BackendGeneratorSchema,
): Promise<GeneratorCallback> {
	const values = templateValues(tree, schema);
	if (tree.exists(values.projectRoot)) {
		throw new Error(`backend generator: ${values.projectRoot} already exists`);
	}
	generateFiles(tree, join(import.meta.dirname, "files"), values.projectRoot, {
		...values,
		tmpl: "",
	});
	if (schema.e2e !== false && tree.exists("test/package.json")) addToE2e(tree, values);
	await formatFiles(tree);
	return () => {
		logger.info(
			`Created ${values.projectRoot}. Next: npm install, then npx nx run ${values.packageName}:test`,
		);
	};
}

/** Derives the template values from the options and the workspace. */
export function templateValues(tree: Tree, schema: BackendGeneratorSchema): BackendTemplateValues {
	if (typeof schema.name !== "string" || !namePattern.test(schema.name)) {
		throw new Error(
			`backend generator: name must be kebab-case (e.g. "my-cluster"), got "${String(schema.name)}"`,
		);
	}
	const { className, propertyName } = names(schema.name);
	const projectRoot = `plugins/backend-${schema.name}`;
	return {
		name: schema.name,
		projectRoot,
		packageName: `@curator/backend-${schema.name}`,
		description: schema.description ?? `Curator TS ${schema.name} backend`,
		executorClass: `${className}Executor`,
		adapterClass: `${className}StageAdapter`,
		supportsConst: `${propertyName}Supports`,
		offsetFromRoot: offsetFromRoot(projectRoot),
		coreRange: `^${versionOf(tree, "packages/core/package.json") ?? "0.1.0"}`,
		vitestVersion: rootDevDependency(tree, "vitest") ?? "*",
	};
}

function addToE2e(tree: Tree, values: BackendTemplateValues): void {
	updateJson(tree, "test/package.json", (json: { devDependencies?: Record<string, string> }) => {
		const deps = { ...json.devDependencies, [values.packageName]: "*" };
		json.devDependencies = Object.fromEntries(
			Object.entries(deps).sort(([a], [b]) => (a < b ? -1 : 1)),
		);
		return json;
	});
	tree.write(
		`test/e2e/conformance-${values.name}.test.ts`,
		[
			`import { describeBackendConformance } from "@curator/conformance";`,
			`import { ${values.executorClass} } from "${values.packageName}";`,
			"",
			`describeBackendConformance("backend-${values.name}", () => new ${values.executorClass}());`,
			"",
		].join("\n"),
	);
}

function versionOf(tree: Tree, path: string): string | undefined {
	if (!tree.exists(path)) return undefined;
	const version = readJson<{ version?: unknown }>(tree, path).version;
	return typeof version === "string" ? version : undefined;
}

function rootDevDependency(tree: Tree, name: string): string | undefined {
	if (!tree.exists("package.json")) return undefined;
	const json = readJson<{ devDependencies?: Record<string, string> }>(tree, "package.json");
	return json.devDependencies?.[name];
}
