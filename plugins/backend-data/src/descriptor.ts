import { defineBackend } from "@curator/core";
import { DataExecutor } from "./executor.ts";

/**
 * `curator run --backend data`. All stages run at once on shared workers, so `--workers`
 * bounds the live workers over all stages.
 */
export const backend = defineBackend({
	name: "data",
	executor: DataExecutor,
	flags: { workers: "maxWorkers" },
});
