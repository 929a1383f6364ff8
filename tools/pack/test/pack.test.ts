import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentProblems, linkProblems } from "../src/contents.ts";
import { combinations, type InstallSize, measure } from "../src/install-size.ts";
import { attwProblems, publintProblems } from "../src/lint.ts";
import { type PackedPackage, packAll, publishablePackages, repoRoot } from "../src/packages.ts";

const packages = publishablePackages();
const work = mkdtempSync(join(tmpdir(), "curator-pack-test-"));
let packed = new Map<string, PackedPackage>();

beforeAll(() => {
	packed = packAll(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tarballOf = (name: string) => {
	const found = packed.get(name);
	if (found === undefined) throw new Error(`${name} was not packed`);
	return found;
};

describe.each([...packages.keys()])("the tarball of %s", (name) => {
	it("carries LICENSE, its README's linked files and the manifest's fields", () => {
		expect(contentProblems(tarballOf(name), packages.get(name)?.dir ?? "")).toEqual([]);
	});

	it("passes publint and @arethetypeswrong/cli", async () => {
		const { tarball } = tarballOf(name);
		expect([...(await publintProblems(tarball)), ...attwProblems(tarball)]).toEqual([]);
	});
});

describe("the checks themselves", () => {
	it("find a README link outside the package and one to a file the tarball lacks", () => {
		const readme =
			"[a](../x/README.md#y) [b](docs/a.md) [c](dist) [d](https://e.org/f) `[g](h.md)`";
		expect(linkProblems(readme, new Set(["dist/index.js", "README.md"]))).toEqual([
			"README links outside the package: ../x/README.md",
			"README links to docs/a.md, which is not in the tarball",
		]);
	});

	it("publint and attw fail a package with a missing and a CommonJS type declaration", async () => {
		const dir = join(work, "broken");
		mkdirSync(dir, { recursive: true });
		const manifest = {
			name: "broken-fixture",
			version: "1.0.0",
			type: "module",
			exports: {
				".": { types: "./index.d.cts", default: "./index.js" },
				"./other": { types: "./missing.d.ts", default: "./index.js" },
			},
		};
		writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
		writeFileSync(join(dir, "index.js"), "export const a = 1;\n");
		writeFileSync(join(dir, "index.d.cts"), "declare const a: number;\nexport = a;\n");
		const file = execFileSync("npm", ["pack", "--silent", "--pack-destination", work], {
			cwd: dir,
			encoding: "utf8",
		}).trim();
		const tarball = join(work, file);
		expect((await publintProblems(tarball)).join("\n")).toContain("missing.d.ts");
		expect(attwProblems(tarball).join("\n")).toContain("Masquerading as CJS");
	});
});

describe("installed sizes (npm install of the tarballs into empty projects)", () => {
	const sizes = new Map<string, InstallSize>();
	beforeAll(() => {
		for (const combination of Object.keys(combinations)) {
			sizes.set(combination, measure(combination, packed, join(work, "install")));
		}
	}, 300_000);

	it("core + local is under 5 MiB, with no native addon and no install script", () => {
		const local = sizes.get("core + local");
		expect(local?.kib).toBeLessThan(5 * 1024);
		expect(local?.nativeAddons).toEqual([]);
		expect(local?.installScripts).toEqual([]);
	});

	it("brings zeromq with the bridge only", () => {
		const withZeromq = [...sizes.values()].filter((s) => s.zeromq).map((s) => s.combination);
		expect(withZeromq).toEqual(["core + xenna-bridge"]);
		for (const size of sizes.values()) {
			if (size.combination === "core + xenna-bridge") continue;
			expect([size.combination, size.nativeAddons]).toEqual([size.combination, []]);
		}
	});

	it("has its table in the root README, one row per combination", () => {
		const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
		const table = readme
			.split("<!-- install-size:start -->")[1]
			?.split("<!-- install-size:end -->")[0];
		const rows = (table ?? "")
			.split("\n")
			.filter((line) => line.startsWith("| ") && !line.includes("---"));
		expect(rows.slice(1).map((row) => row.split(" | ")[0]?.slice(2))).toEqual(
			Object.keys(combinations),
		);
	});
});
