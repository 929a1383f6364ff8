import type { TestProject } from "vitest/node";
import { type Cluster, provisionPython, startCluster } from "./cluster.ts";

declare module "vitest" {
	export interface ProvidedContext {
		/** The project venv's python (empty when Python >= 3.11 is missing). */
		python: string;
		/** Why the bridge tests are skipped (empty when they run). */
		pythonMissing: string;
		/** GCS address of the Ray cluster shared by the test files. */
		rayAddress: string;
		/** Its dashboard's HTTP address (the Jobs API). */
		rayDashboard: string;
		/** Temp dir of that cluster (its processes are found through it). */
		rayTempDir: string;
		/** Token of that cluster (`RAY_AUTH_TOKEN`). */
		rayToken: string;
	}
}

let cluster: Cluster | undefined;

/**
 * Provisions the project venv (tools/env/python-venv.sh) and starts one Ray
 * cluster for every test file of the run; teardown kills all of it.
 */
export async function setup(project: TestProject): Promise<void> {
	const setupResult = provisionPython();
	if ("missing" in setupResult) {
		const banner = "!".repeat(78);
		process.stderr.write(
			`\n${banner}\nxenna-bridge tests SKIPPED: ${setupResult.missing}\nInstall Python 3.11+ (or set CURATOR_PYTHON) to run them.\n${banner}\n\n`,
		);
		project.provide("python", "");
		project.provide("pythonMissing", setupResult.missing);
		project.provide("rayAddress", "");
		project.provide("rayDashboard", "");
		project.provide("rayTempDir", "");
		project.provide("rayToken", "");
		return;
	}
	cluster = await startCluster(setupResult.python);
	project.provide("python", setupResult.python);
	project.provide("pythonMissing", "");
	project.provide("rayAddress", cluster.address);
	project.provide("rayDashboard", cluster.dashboard);
	project.provide("rayTempDir", cluster.tempDir);
	project.provide("rayToken", cluster.token);
}

export function teardown(): void {
	cluster?.stop();
	cluster = undefined;
}
