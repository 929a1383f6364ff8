import { LocalExecutor } from "@curator/backend-local";
import { describe } from "vitest";
import {
	describeBackendConformance,
	registerFaultCases,
	registerResumeCases,
	registerSpillCases,
	registerTimeLimitCases,
} from "../src/index.ts";

// The kit's own reference run: the in-process backend passes every case it supports.
describeBackendConformance("backend-local", () => new LocalExecutor());
// In-process: ignoreFailures is honoured; no retries, nothing to kill and nothing to spill, so
// those cases are listed as skipped, with their reasons.
describe("backend-local", () => {
	registerFaultCases((faults) => new LocalExecutor({ ignoreFailures: faults.ignoreFailures }));
	registerTimeLimitCases(() => new LocalExecutor());
	registerSpillCases((settings) => new LocalExecutor({ ignoreFailures: settings.ignoreFailures }));
	registerResumeCases({
		module: new URL("./fixtures/resume-executors.ts", import.meta.url).href,
		export: "localExecutor",
	});
});
