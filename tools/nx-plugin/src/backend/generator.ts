import { baseValues, type TemplateValues, templateFolders } from "@curator/create-backend";
import {
	formatFiles,
	type GeneratorCallback,
	generateFiles,
	logger,
	offsetFromRoot,
	readJson,
	type Tree,
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

/** Everything the templates use: the values of every backend package, plus the workspace's. */
export interface BackendTemplateValues extends TemplateValues {
	projectRoot: string;
	offsetFromRoot: string;
	coreRange: string;
	vitestVersion: string;
}

/**
 * Scaffolds `plugins/backend-<name>`: package.json, tsconfig.json,
 * tsup.config.ts, README.md, an in-process executor on `BaseExecutor` (that
 * passes the conformance kit as generated), its adapter, its descriptor for
 * the `curator` command, and a test file that runs the kit. With `e2e`, the
 * root `test/` runs the kit on it too. The templates are those of
 * `@curator/create-backend` (its `common/` and `workspace/` folders), which
 * writes standalone backend packages from the same files.
 */
export default async function backendGenerator(
	tree: Tree,
	schema: BackendGeneratorSchema,
): Promise<GeneratorCallback> {
	const values = templateValues(tree, schema);
	if (tree.exists(values.projectRoot)) {
		throw new Error(`backend generator: ${values.projectRoot} already exists`);
	}
	for (const folder of templateFolders("workspace")) {
		generateFiles(tree, folder, values.projectRoot, { ...values, tmpl: "" });
	}
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
	const projectRoot = `plugins/backend-${String(schema.name)}`;
	const packageName = `@curator/backend-${String(schema.name)}`;
	let base: TemplateValues;
	try {
		base = baseValues({
			name: schema.name,
			packageName,
			description: schema.description,
			testCommand: `npx nx run ${packageName}:test`,
		});
	} catch (error) {
		throw new Error(`backend generator: ${(error as Error).message}`);
	}
	return {
		...base,
		projectRoot,
		offsetFromRoot: offsetFromRoot(projectRoot),
		coreRange: `^${versionOf(tree, "packages/core/package.json") ?? "0.1.0"}`,
		vitestVersion: rootDevDependency(tree, "vitest") ?? "*",
	};
}

/** Adds the backend to the root `test/` package, written as Biome formats it (tabs, sorted imports). */
function addToE2e(tree: Tree, values: BackendTemplateValues): void {
	const json = readJson<{ devDependencies?: Record<string, string> }>(tree, "test/package.json");
	const deps = { ...json.devDependencies, [values.packageName]: "*" };
	json.devDependencies = Object.fromEntries(
		Object.entries(deps).sort(([a], [b]) => (a < b ? -1 : 1)),
	);
	tree.write("test/package.json", `${JSON.stringify(json, null, "\t")}\n`);
	tree.write(
		`test/e2e/conformance-${values.name}.test.ts`,
		[
			// "@curator/backend-..." sorts before "@curator/conformance".
			`import { ${values.executorClass} } from "${values.packageName}";`,
			`import { describeBackendConformance } from "@curator/conformance";`,
			"",
			`const factory = () => new ${values.executorClass}();`,
			`describeBackendConformance("backend-${values.name}", factory);`,
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
