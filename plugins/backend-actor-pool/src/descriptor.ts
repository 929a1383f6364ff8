import { defineBackend } from "@curator/core";
import { ActorPoolExecutor } from "./executor.ts";

/** `curator run --backend actor-pool`; `--workers` bounds each stage's pool. */
export const backend = defineBackend({
	name: "actor-pool",
	executor: ActorPoolExecutor,
	flags: { workers: "maxWorkersPerStage" },
});
