import { describeBackendConformance } from "@curator/conformance";
import { afterAll, describe } from "vitest";
import { closeIdleDrivers } from "../src/index.ts";
import { skipped, skipReason, testExecutor } from "./bridge-env.ts";

describe.skipIf(skipReason !== "")(`conformance on a local Ray cluster${skipped}`, () => {
	afterAll(closeIdleDrivers);
	describeBackendConformance(
		"xenna-bridge, streaming",
		() => testExecutor({ executionMode: "streaming", keepAliveS: 30 }),
		{ timeoutMs: 120_000, reapTimeoutMs: 15_000 },
	);
});
