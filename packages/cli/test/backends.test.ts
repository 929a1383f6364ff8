import { describe, expect, it } from "vitest";
import { xennaEnvironment } from "../src/backends.ts";
import {
	BackendUnavailableError,
	backendNames,
	backendPlugins,
	loadBackend,
	probeBackend,
	probePlugin,
} from "../src/index.ts";

const absent = (await Promise.all(backendNames.map(probeBackend))).find((s) => !s.installed);

describe("backend plugins", () => {
	it("maps every CLI name to a package and an executor", () => {
		expect(Object.keys(backendPlugins)).toEqual([...backendNames]);
		expect(backendPlugins["actor-pool"].config({ workers: 2, logger: console as never })).toEqual({
			logger: console,
			maxWorkersPerStage: 2,
		});
		expect(backendPlugins.data.config({ workers: 2, logger: console as never })).toMatchObject({
			maxWorkers: 2,
		});
		expect(backendPlugins.local.config({ workers: 2, logger: console as never })).toEqual({
			logger: console,
		});
	});

	it("runs xenna with the executor's defaults unless the environment sets the mode or local CPUs", () => {
		expect(xennaEnvironment({})).toEqual({});
		expect(
			xennaEnvironment({ CURATOR_XENNA_EXECUTION_MODE: "", CURATOR_XENNA_LOCAL_CPUS: "" }),
		).toEqual({});
		expect(
			xennaEnvironment({
				CURATOR_XENNA_EXECUTION_MODE: "batch",
				CURATOR_XENNA_LOCAL_CPUS: "12",
			}),
		).toEqual({ executionMode: "batch", localCpus: 12 });
	});

	it("loads the local backend", async () => {
		const status = await probeBackend("local");
		expect(status.installed).toBe(true);
		expect((await loadBackend("local")).name).toBe("LocalExecutor");
	});

	it("reports a missing package as not installed, with the install command", async () => {
		const status = await probePlugin("data", {
			packageName: "@curator/backend-does-not-exist",
			exportName: "X",
		});
		expect(status).toEqual({
			name: "data",
			packageName: "@curator/backend-does-not-exist",
			installed: false,
			reason: "not installed (npm install @curator/backend-does-not-exist)",
		});
	});

	it("reports a package without the executor export", async () => {
		const status = await probePlugin("data", { packageName: "@curator/core", exportName: "Nope" });
		expect(status).toMatchObject({
			installed: false,
			reason: "@curator/core does not export Nope",
		});
	});

	it.skipIf(absent === undefined)(
		"throws a BackendUnavailableError naming a backend that is not installed (skipped: all are installed)",
		async () => {
			const name = absent?.name ?? "data";
			await expect(loadBackend(name)).rejects.toThrow(BackendUnavailableError);
			await expect(loadBackend(name)).rejects.toThrow(`backend "${name}" is not installed`);
		},
	);
});
