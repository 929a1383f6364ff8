export { backend } from "./descriptor.ts";
export { ActorPoolExecutor, actorPoolSupports } from "./executor.ts";
export type { ActorPoolConfig, ActorPoolStageOptions } from "./options.ts";
export { actorPoolDefaults } from "./options.ts";
export type { PoolPlan } from "./sizing.ts";
export { planPool } from "./sizing.ts";
