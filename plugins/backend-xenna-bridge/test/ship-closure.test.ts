import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { placeOf, reachedPackages } from "../src/ship/closure.ts";

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A workspace root whose pipeline imports a workspace package linked into node_modules. */
function workspace(): string {
	const root = mkdtempSync(join(tmpdir(), "ship-closure-"));
	dirs.push(root);
	const manifest = (name: string) => `${JSON.stringify({ name, type: "module" })}\n`;
	writeFileSync(join(root, "package.json"), manifest("root"));
	writeFileSync(join(root, "pipeline.js"), 'import { lib } from "@x/lib";\nexport default lib;\n');
	mkdirSync(join(root, "packages", "lib"), { recursive: true });
	writeFileSync(join(root, "packages", "lib", "package.json"), manifest("@x/lib"));
	writeFileSync(join(root, "packages", "lib", "index.js"), "export const lib = 1;\n");
	mkdirSync(join(root, "node_modules", "@x"), { recursive: true });
	symlinkSync(join(root, "packages", "lib"), join(root, "node_modules", "@x", "lib"));
	return root;
}

describe("what a shipped program reaches, and where it goes", () => {
	it("puts a workspace package inside the project's folder where Node finds it by name", async () => {
		const root = workspace();
		const packages = await reachedPackages([join(root, "pipeline.js")], root);
		expect(packages.map((pkg) => [pkg.dest, pkg.files])).toEqual([
			["", ["pipeline.js"]],
			["node_modules/@x/lib", ["index.js"]],
		]);
		expect(placeOf(packages, join(root, "pipeline.js"))).toBe("pipeline.js");
		expect(placeOf(packages, join(root, "packages", "lib", "index.js"))).toBe(
			"node_modules/@x/lib/index.js",
		);
		expect(placeOf(packages, join(tmpdir(), "elsewhere.js"))).toBe(undefined);
	});
});
