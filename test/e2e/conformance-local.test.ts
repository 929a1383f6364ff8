import { LocalExecutor } from "@curator/backend-local";
import { describeBackendConformance, registerFaultCases } from "@curator/conformance";

// Every backend in the repo runs the conformance kit from here; a new backend adds one line.
describeBackendConformance("backend-local", () => new LocalExecutor());
registerFaultCases((faults) => new LocalExecutor({ ignoreFailures: faults.ignoreFailures }));
