import {
	describeBackendConformance,
	registerFaultCases,
	registerResumeCases,
	registerSpillCases,
	registerTimeLimitCases,
} from "@curator/conformance";
import { describe } from "vitest";
import { ActorPoolExecutor } from "../src/index.ts";

for (const isolation of ["process", "thread"] as const) {
	const name = `backend-actor-pool (${isolation === "process" ? "processes" : "threads"})`;
	describeBackendConformance(name, () => new ActorPoolExecutor({ isolation }));
	describe(name, () => {
		registerFaultCases((faults) => new ActorPoolExecutor({ isolation, ...faults }));
		registerTimeLimitCases((faults) => new ActorPoolExecutor({ isolation, ...faults }));
		// Threads pass outputs on in memory: listed as skipped (supports.spill is false).
		registerSpillCases((settings) => new ActorPoolExecutor({ isolation, ...settings }));
		registerResumeCases({
			module: new URL("./resume-executor.ts", import.meta.url).href,
			export: "createExecutor",
			args: { isolation },
		});
	});
}
