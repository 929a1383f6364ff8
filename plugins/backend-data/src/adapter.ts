import { HostStageAdapter } from "@curator/runtime";

/**
 * The adapter this backend's workers wrap each stage with: the worker host's
 * adapter (core template methods, run inside the worker process or thread).
 */
export const DataStageAdapter = HostStageAdapter;
