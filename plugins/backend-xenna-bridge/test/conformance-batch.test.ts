import {
	describeBackendConformance,
	registerFaultCases,
	registerResumeCases,
	registerTimeLimitCases,
} from "@curator/conformance";
import { afterAll, describe } from "vitest";
import { closeIdleDrivers } from "../src/index.ts";
import { python, rayAddress, skipped, skipReason, testExecutor } from "./bridge-env.ts";

describe.skipIf(skipReason !== "")(`conformance on a local Ray cluster${skipped}`, () => {
	afterAll(closeIdleDrivers);
	const options = { timeoutMs: 120_000, reapTimeoutMs: 15_000 };
	describeBackendConformance(
		"xenna-bridge, batch",
		() => testExecutor({ executionMode: "batch", keepAliveS: 30 }),
		options,
	);
	describe("xenna-bridge, batch", () => {
		const faults = (settings: object) =>
			testExecutor({ executionMode: "batch", keepAliveS: 30, ...settings });
		registerFaultCases(faults, options);
		registerTimeLimitCases(faults, options);
		registerResumeCases(
			{
				module: new URL("./resume-executor.ts", import.meta.url).href,
				export: "createExecutor",
				args: { python, rayAddress, executionMode: "batch" },
			},
			options,
		);
	});
});
