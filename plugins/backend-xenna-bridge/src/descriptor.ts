import { type BackendEnvironment, defineBackend } from "@curator/core";
import { XennaExecutor } from "./executor.ts";
import type { XennaConfig, XennaExecutionMode } from "./options.ts";

/**
 * The settings a `curator run` takes from the environment: `CURATOR_XENNA_EXECUTION_MODE`
 * (`streaming` or `batch`; default: the executor's, streaming) and `CURATOR_XENNA_LOCAL_CPUS`
 * (logical CPUs of the local Ray cluster the driver starts; default: sized for the pipeline).
 * The executor validates both.
 */
export function xennaEnvironment(env: BackendEnvironment): Partial<XennaConfig> {
	const mode = env.CURATOR_XENNA_EXECUTION_MODE;
	const cpus = env.CURATOR_XENNA_LOCAL_CPUS;
	return {
		...(mode ? { executionMode: mode as XennaExecutionMode } : {}),
		...(cpus ? { localCpus: Number(cpus) } : {}),
	};
}

/**
 * `curator run --backend xenna`: the executor's defaults (streaming, a local Ray cluster sized
 * for the pipeline) unless the environment says otherwise; `--workers` bounds the fixed worker
 * count of each stage and `--ray-address` joins a running cluster.
 */
export const backend = defineBackend({
	name: "xenna",
	executor: XennaExecutor,
	flags: { workers: "maxWorkersPerStage", rayAddress: "rayAddress" },
	environment: xennaEnvironment,
});
