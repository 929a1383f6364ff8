import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createBackend, renderTemplates, standaloneValues, substitute } from "../src/index.ts";

const dirs: string[] = [];
afterEach(async () => {
	for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("the standalone templates", () => {
	it("name everything after the folder, and depend on the published packages", () => {
		const values = standaloneValues({ dir: "/somewhere/curator-backend-my-cluster" });
		expect(values).toMatchObject({
			name: "my-cluster",
			packageName: "curator-backend-my-cluster",
			executorClass: "MyClusterExecutor",
			testCommand: "npm test",
		});
		const files = renderTemplates("standalone", values);
		expect([...files.keys()].sort()).toEqual([
			".gitignore",
			"README.md",
			"biome.json",
			"package.json",
			"src/adapter.ts",
			"src/descriptor.ts",
			"src/executor.ts",
			"src/index.ts",
			"test/conformance.test.ts",
			"test/resume-executor.ts",
			"tsconfig.build.json",
			"tsconfig.json",
		]);
		const pkg = JSON.parse(files.get("package.json") ?? "");
		expect(pkg.curator).toEqual({ backend: "my-cluster" });
		expect(pkg.peerDependencies).toEqual({ "@curator/core": "^0.1.0" });
		for (const name of ["@curator/conformance", "@curator/cli", "vitest", "@biomejs/biome"]) {
			expect(pkg.devDependencies[name], name).toMatch(/^\^\d/);
		}
		for (const [path, text] of files) expect(text, path).not.toMatch(/<%|%>/);
	});

	it("refuses a template key without a value, and a bad name", () => {
		expect(() => substitute("<%= nope %>", standaloneValues({ dir: "x-y" }), "f")).toThrow(
			"f: no value for <%= nope %>",
		);
		expect(() => standaloneValues({ dir: "x", name: "Not Kebab" })).toThrow(/kebab-case/);
	});

	it("writes into an empty folder only", async () => {
		const dir = await mkdtemp(join(tmpdir(), "create-backend-"));
		dirs.push(dir);
		const written = createBackend({ dir: join(dir, "b"), name: "b", description: "B" });
		expect(written).toContain("src/descriptor.ts");
		expect(await readdir(join(dir, "b"))).toContain(".gitignore");
		expect(await readFile(join(dir, "b/src/descriptor.ts"), "utf8")).toContain('name: "b",');
		await writeFile(join(dir, "c"), "");
		expect(() => createBackend({ dir })).toThrow(/is not empty/);
	});
});
