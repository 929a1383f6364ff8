export { LocalStageAdapter } from "./adapter.ts";
export { backend } from "./descriptor.ts";
export type { LocalExecutorConfig } from "./executor.ts";
export { LocalExecutor, localSupports } from "./executor.ts";
