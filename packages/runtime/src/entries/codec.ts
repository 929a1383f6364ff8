/**
 * `@curator/runtime/codec`: stages and tasks as bytes, for a bridge whose
 * workers are started by another runtime. A stage descriptor names the
 * stage's class by module and export; a task payload opens with its format
 * version, which `decodeTasks` checks before decoding anything.
 */
export { decodeTasks, encodeStage, encodeTasks } from "../codec.ts";
