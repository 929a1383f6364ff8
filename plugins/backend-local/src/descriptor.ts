import { defineBackend } from "@curator/core";
import { LocalExecutor } from "./executor.ts";

/** `curator run --backend local`: one worker per stage, in process, so it takes no run flag. */
export const backend = defineBackend({ name: "local", executor: LocalExecutor, flags: {} });
