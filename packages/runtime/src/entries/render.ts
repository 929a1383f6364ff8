/**
 * `@curator/runtime/render`: the terminal renderer of run events and the
 * end-of-run summary (as a table or as JSON), for a command-line front end.
 */
export type { Align } from "../render/format.ts";
export { formatBytes, formatTable } from "../render/format.ts";
export type { LogRecordLine } from "../render/log-line.ts";
export { formatLogRecord } from "../render/log-line.ts";
export type { LogLevel, RenderMode, RenderStream, RunRendererOptions } from "../render/renderer.ts";
export { logLevels, RunRenderer, rendererDefaults } from "../render/renderer.ts";
export type { RunOutput, RunReport, StageReport, SummaryTableOptions } from "../render/summary.ts";
export { formatSummaryTable, runReport } from "../render/summary.ts";
