import { backendConfig, silentLogger } from "@curator/core";
import { describe, expect, it } from "vitest";
import { backend, XennaExecutor, xennaEnvironment } from "../src/index.ts";

describe("the xenna backend's descriptor", () => {
	it("runs with the executor's defaults unless the environment sets the mode or local CPUs", () => {
		expect(xennaEnvironment({})).toEqual({});
		expect(
			xennaEnvironment({ CURATOR_XENNA_EXECUTION_MODE: "", CURATOR_XENNA_LOCAL_CPUS: "" }),
		).toEqual({});
		expect(
			xennaEnvironment({ CURATOR_XENNA_EXECUTION_MODE: "batch", CURATOR_XENNA_LOCAL_CPUS: "12" }),
		).toEqual({ executionMode: "batch", localCpus: 12 });
	});

	it("maps --workers and --ray-address onto the executor's config", () => {
		expect(backend).toMatchObject({ name: "xenna", executor: XennaExecutor });
		const config = backendConfig(backend, {
			flags: { workers: 2, rayAddress: "head:6379" },
			logger: silentLogger,
			env: { CURATOR_XENNA_EXECUTION_MODE: "batch" },
		});
		expect(config).toEqual({
			executionMode: "batch",
			logger: silentLogger,
			maxWorkersPerStage: 2,
			rayAddress: "head:6379",
		});
	});
});
