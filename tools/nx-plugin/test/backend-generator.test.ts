import { readJson, type Tree } from "@nx/devkit";
import { createTreeWithEmptyWorkspace } from "@nx/devkit/testing";
import { beforeEach, describe, expect, it } from "vitest";
import backendGenerator from "../src/backend/generator.ts";

let tree: Tree;
const root = "plugins/backend-my-cluster";

beforeEach(() => {
	tree = createTreeWithEmptyWorkspace();
	// This repo formats with Biome, not oxfmt: keep formatFiles from looking for oxfmt.
	tree.delete(".oxfmtrc.json");
	tree.write("package.json", JSON.stringify({ name: "ws", devDependencies: { vitest: "5.1.1" } }));
	tree.write(
		"packages/core/package.json",
		JSON.stringify({ name: "@curator/core", version: "0.3.0" }),
	);
	tree.write(
		"test/package.json",
		JSON.stringify({ name: "@curator/e2e", devDependencies: { "@curator/core": "*" } }),
	);
});

describe("backend generator", () => {
	it("scaffolds the plugin skeleton", async () => {
		await backendGenerator(tree, { name: "my-cluster" });
		const files = tree
			.listChanges()
			.map((change) => change.path)
			.filter((path) => path.startsWith(root))
			.sort();
		expect(files).toEqual(
			[
				"README.md",
				"package.json",
				"src/adapter.ts",
				"src/descriptor.ts",
				"src/executor.ts",
				"src/index.ts",
				"test/conformance.test.ts",
				"test/resume-executor.ts",
				"tsconfig.json",
				"tsup.config.ts",
			].map((file) => `${root}/${file}`),
		);
	});

	it("names the package, classes and paths after the backend", async () => {
		await backendGenerator(tree, { name: "my-cluster", description: "Runs on my cluster" });
		const pkg = readJson(tree, `${root}/package.json`);
		expect(pkg).toMatchObject({
			name: "@curator/backend-my-cluster",
			description: "Runs on my cluster",
			type: "module",
			files: ["dist"],
			peerDependencies: { "@curator/core": "^0.3.0" },
			devDependencies: { "@curator/conformance": "*", "@curator/core": "*", vitest: "5.1.1" },
		});
		const executor = tree.read(`${root}/src/executor.ts`, "utf8") ?? "";
		expect(executor).toContain("export class MyClusterExecutor extends BaseExecutor<");
		expect(executor).toContain('backend: "my-cluster",\n\t\t\tsupports: myClusterSupports,');
		expect(executor).toContain("configSchema,");
		expect(tree.read(`${root}/src/adapter.ts`, "utf8")).toContain(
			"export class MyClusterStageAdapter extends BaseStageAdapter {}",
		);
		expect(pkg.curator).toEqual({ backend: "my-cluster" });
		const descriptor = tree.read(`${root}/src/descriptor.ts`, "utf8") ?? "";
		expect(descriptor).toContain('name: "my-cluster",\n\texecutor: MyClusterExecutor,');
		expect(tree.read(`${root}/src/index.ts`, "utf8")).toContain(
			'export { backend } from "./descriptor.ts";',
		);
		expect(tree.read(`${root}/README.md`, "utf8")).toContain(
			"(`npx nx run @curator/backend-my-cluster:test`)",
		);
		expect(readJson(tree, `${root}/tsconfig.json`).extends).toBe("../../tsconfig.base.json");
		expect(tree.read(`${root}/tsup.config.ts`, "utf8")).toContain(
			'from "../../tools/build/tsup.base.ts"',
		);
		const conformance = tree.read(`${root}/test/conformance.test.ts`, "utf8");
		expect(conformance).toContain(
			'describeBackendConformance("backend-my-cluster", () => new MyClusterExecutor());',
		);
		expect(conformance).toContain("registerSpillCases((spill) => new MyClusterExecutor(");
		expect(conformance).toContain('module: new URL("./resume-executor.ts", import.meta.url).href,');
		expect(tree.read(`${root}/test/resume-executor.ts`, "utf8")).toContain(
			"export function createExecutor(): MyClusterExecutor {\n\treturn new MyClusterExecutor();",
		);
	});

	it("adds the backend to the root conformance runs", async () => {
		await backendGenerator(tree, { name: "my-cluster" });
		expect(readJson(tree, "test/package.json").devDependencies).toEqual({
			"@curator/backend-my-cluster": "*",
			"@curator/core": "*",
		});
		expect(tree.read("test/e2e/conformance-my-cluster.test.ts", "utf8")).toContain(
			'import { MyClusterExecutor } from "@curator/backend-my-cluster";',
		);
		// Written as Biome formats it (generated-plugin.test.ts runs biome ci on it).
		expect(tree.read("test/package.json", "utf8")).toMatch(/^\{\n\t"name": "@curator\/e2e",/);
	});

	it("leaves test/ alone with e2e: false", async () => {
		await backendGenerator(tree, { name: "my-cluster", e2e: false });
		expect(tree.exists("test/e2e/conformance-my-cluster.test.ts")).toBe(false);
		expect(readJson(tree, "test/package.json").devDependencies).toEqual({ "@curator/core": "*" });
	});

	it("rejects a name that is not kebab-case", async () => {
		await expect(backendGenerator(tree, { name: "My Cluster" })).rejects.toThrow(
			/name must be kebab-case/,
		);
	});

	it("refuses to overwrite an existing plugin", async () => {
		tree.write(`${root}/package.json`, "{}");
		await expect(backendGenerator(tree, { name: "my-cluster" })).rejects.toThrow(
			/plugins\/backend-my-cluster already exists/,
		);
	});
});
