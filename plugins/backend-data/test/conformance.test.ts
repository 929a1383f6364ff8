import {
	describeBackendConformance,
	registerFaultCases,
	registerResumeCases,
	registerSpillCases,
	registerTimeLimitCases,
} from "@curator/conformance";
import { describe } from "vitest";
import { DataExecutor } from "../src/index.ts";

for (const isolation of ["process", "thread"] as const) {
	const name = `backend-data (${isolation === "process" ? "processes" : "threads"})`;
	describeBackendConformance(name, () => new DataExecutor({ isolation }));
	describe(name, () => {
		registerFaultCases((faults) => new DataExecutor({ isolation, ...faults }));
		registerTimeLimitCases((faults) => new DataExecutor({ isolation, ...faults }));
		// Threads pass outputs on in memory: listed as skipped (supports.spill is false).
		registerSpillCases((settings) => new DataExecutor({ isolation, ...settings }));
		registerResumeCases({
			module: new URL("./resume-executor.ts", import.meta.url).href,
			export: "createExecutor",
			args: { isolation },
		});
	});
}
