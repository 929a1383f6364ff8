import { LocalExecutor } from "@curator/backend-local";
import { describeBackendConformance, registerFaultCases } from "../src/index.ts";

// The kit's own reference run: the in-process backend passes every case it supports.
describeBackendConformance("backend-local", () => new LocalExecutor());
registerFaultCases((faults) => new LocalExecutor({ ignoreFailures: faults.ignoreFailures }));
