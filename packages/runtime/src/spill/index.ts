/**
 * The payload store: where tasks too large for a message go between worker
 * processes. The rest of the runtime talks to spill through this module only:
 *
 * - where: {@link SpillDir.create} makes a run's folder, under {@link spillBase}
 *   (the rule of {@link chooseSpillBase} and {@link spillDefaults}, or
 *   {@link SPILL_DIR_ENV});
 * - write and read: {@link writeParts} (a worker's split reply),
 *   {@link readPart} (a worker's input), {@link releaseParts} (a parent, once
 *   their tasks are done with);
 * - sweep: {@link sweepSpillFolders} removes folders of runs that were killed;
 * - fail: {@link SpillError} (`CURATOR_SPILL_FAILED`) names the folder.
 *
 * Worker hosts import it: nothing here loads `node:crypto` or
 * `node:fs/promises` before a file is touched.
 */
export type { SpillBaseChoice, SpillCandidates } from "./base.ts";
export { chooseSpillBase, spillBase, spillDefaults } from "./base.ts";
export { SpillDir } from "./dir.ts";
export { SPILL_DIR_ENV, SpillError } from "./error.ts";
export type { Part } from "./files.ts";
export { readPart, releaseParts, writeParts } from "./files.ts";
export type { SpillOwner } from "./owner.ts";
export { sweepSpillFolders } from "./owner.ts";
