import { inject } from "vitest";
import { XennaExecutor } from "../src/index.ts";
import type { XennaConfig } from "../src/options.ts";

/** The venv's python, the shared cluster, and why the suite is skipped (empty when it runs). */
export const python = inject("python");
export const rayAddress = inject("rayAddress");
/** The shared cluster's dashboard (`http://127.0.0.1:<port>`), for the Jobs API. */
export const rayDashboard = inject("rayDashboard");
export const rayTempDir = inject("rayTempDir");
export const skipReason = inject("pythonMissing");
/** Token of the shared cluster (and of the test clusters a file starts itself). */
export const rayToken = inject("rayToken");

// Joining a cluster with token authentication takes its token in the environment, as it would
// for a user: the driver inherits this process's environment.
if (rayToken !== "")
	Object.assign(process.env, { RAY_AUTH_MODE: "token", RAY_AUTH_TOKEN: rayToken });

// The test clusters share this machine's files: runs joining them need not ship themselves
// (a test that ships says so in its config).
process.env.CURATOR_XENNA_SHIP = "0";

/** A bridge executor on the shared test cluster. */
export function testExecutor(config: XennaConfig = {}): XennaExecutor {
	return new XennaExecutor({
		python,
		rayAddress,
		cpuAllocationPercentage: 1,
		loggingIntervalS: 600,
		// The shared cluster's 8 logical CPUs are on a small machine: a stage's default share
		// would start 8 actors and Node workers for a handful of tasks.
		maxWorkersPerStage: 2,
		...config,
	});
}

/** The title suffix of a suite that cannot run here. */
export const skipped = skipReason === "" ? "" : ` (skipped: ${skipReason})`;
