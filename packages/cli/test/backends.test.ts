import { describe, expect, it } from "vitest";
import {
	BackendUnavailableError,
	findInstalledBackends,
	listBackends,
	loadBackend,
	packageEntry,
} from "../src/index.ts";
import { descriptor, project } from "./helpers.ts";

describe("backends as packages", () => {
	it("finds the built-in backends by the names their packages register", async () => {
		const installed = await findInstalledBackends(process.cwd());
		expect(installed.map((b) => [b.name, b.packageName])).toEqual([
			["actor-pool", "@curator/backend-actor-pool"],
			["data", "@curator/backend-data"],
			["local", "@curator/backend-local"],
			["xenna", "@curator/backend-xenna-bridge"],
		]);
		const local = await loadBackend("local", process.cwd());
		expect(local.descriptor.executor.name).toBe("LocalExecutor");
		expect(local.descriptor.flags).toEqual({});
		const pool = await loadBackend("@curator/backend-actor-pool", process.cwd());
		expect(pool.descriptor.flags).toEqual({ workers: "maxWorkersPerStage" });
	});

	it("loads a third-party backend from the user's project by short name and by package", async () => {
		const cwd = await project(
			{ name: "acme-backend", version: "1.2.3", description: "Acme", curator: { backend: "acme" } },
			descriptor("acme"),
		);
		const byName = await loadBackend("acme", cwd);
		expect(byName).toMatchObject({ packageName: "acme-backend", version: "1.2.3" });
		expect(byName.descriptor.name).toBe("acme");
		expect((await loadBackend("acme-backend", cwd)).descriptor.name).toBe("acme");
		const listed = await listBackends(cwd);
		expect(listed.find((b) => b.name === "acme")).toMatchObject({
			packageName: "acme-backend",
			version: "1.2.3",
			description: "Acme",
			problem: undefined,
		});
	});

	it("says in one line what is installed when a name is unknown", async () => {
		expect.assertions(2);
		try {
			await loadBackend("ray", process.cwd());
		} catch (error) {
			expect(error).toBeInstanceOf(BackendUnavailableError);
			expect((error as Error).message).toBe(
				'unknown backend "ray" (installed: actor-pool, data, local, xenna; install one with npm install <package>, then use --backend <its name or package>)',
			);
		}
	});

	it.each([
		[
			{ name: "no-descriptor" },
			"export const other = 1;",
			/does not export a backend descriptor as "backend" \(it has no such export/,
		],
		[
			{ name: "bad-descriptor" },
			"export const backend = { name: 'Bad' };",
			/name must be kebab-case/,
		],
		[{ name: "throws" }, "throw new Error('boom');", /throws failed to load: boom/],
		[
			{ name: "renamed", curator: { backend: "one" } },
			descriptor("other"),
			/renamed registers backend "one" in its package.json, but its descriptor is named "other"/,
		],
	])("refuses package %j with a clear reason", async (pkg, index, message) => {
		const cwd = await project(pkg, index);
		await expect(loadBackend(pkg.name, cwd)).rejects.toThrow(message);
	});

	it("reports a package name that is not installed with the install command", async () => {
		await expect(loadBackend("@acme/nothing-here", process.cwd())).rejects.toThrow(
			/^backend package @acme\/nothing-here is not installed \(installed: /,
		);
	});

	it("finds a package's entry point as Node's import does", () => {
		expect(packageEntry({ exports: { ".": { types: "./a.d.ts", default: "./a.js" } } })).toBe(
			"./a.js",
		);
		expect(packageEntry({ exports: { import: "./m.js", require: "./c.cjs" } })).toBe("./m.js");
		expect(packageEntry({ exports: "./e.js", main: "x.js" })).toBe("./e.js");
		expect(packageEntry({ main: "lib/main.js" })).toBe("lib/main.js");
		expect(packageEntry({})).toBe("index.js");
	});
});
