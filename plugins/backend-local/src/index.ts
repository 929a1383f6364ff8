export { LocalStageAdapter } from "./adapter.ts";
export type { LocalExecutorConfig } from "./executor.ts";
export { LocalExecutor, localSupports } from "./executor.ts";
