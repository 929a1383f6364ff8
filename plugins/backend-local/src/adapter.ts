import { BaseStageAdapter } from "@curator/core";

/** In-process adapter: the core template methods as they are. */
export class LocalStageAdapter extends BaseStageAdapter {}
