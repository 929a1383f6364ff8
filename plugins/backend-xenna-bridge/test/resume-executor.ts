import { XennaExecutor } from "../src/index.ts";
import type { XennaConfig } from "../src/options.ts";

// The conformance kit's resume cases run their pipelines in a process of their own, which builds
// the executor from this module (see registerResumeCases). It cannot read the test run's provided
// values, so the conformance test passes the venv's python and the shared cluster's address; the
// cluster's token reaches the process in its environment.

/** What the conformance test passes. */
export interface ResumeExecutorArgs {
	python: string;
	rayAddress: string;
	executionMode: NonNullable<XennaConfig["executionMode"]>;
}

/** A bridge executor on the shared test cluster, as `testExecutor` makes it (no kept-alive driver). */
export function createExecutor(args: ResumeExecutorArgs): XennaExecutor {
	return new XennaExecutor({
		python: args.python,
		rayAddress: args.rayAddress,
		executionMode: args.executionMode,
		cpuAllocationPercentage: 1,
		loggingIntervalS: 600,
		maxWorkersPerStage: 2,
	});
}
