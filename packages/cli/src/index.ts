export type { CliLogLevel, Command, ProgressMode, RunFlags } from "./args.ts";
export { cliLogLevels, flagDefaults, parseCommand, progressModes } from "./args.ts";
export type { BackendListing, LoadedBackend } from "./backends.ts";
export {
	DESCRIPTOR_EXPORT,
	importPackage,
	listBackends,
	loadBackend,
	missingBuiltIns,
	packageEntry,
} from "./backends.ts";
export type { InstalledBackend, PackageJson } from "./discovery.ts";
export { findInstalledBackends, findPackage, searchFolders } from "./discovery.ts";
export type { ExitCode, StopSignal } from "./errors.ts";
export { BackendUnavailableError, ExitCodes, stopSignals, UsageError } from "./errors.ts";
export type { PipelineOptions } from "./examples/demo.ts";
export {
	createDemoPipeline,
	DEMO_ROWS_PER_BATCH,
	demoFilters,
	sampleDir,
} from "./examples/demo.ts";
export type { CliIO } from "./io.ts";
export { processIO } from "./io.ts";
export type { LoadedPipeline, PipelineFactory } from "./load-pipeline.ts";
export { examples, instantiate, loadPipeline } from "./load-pipeline.ts";
export { runCli } from "./main.ts";
export type { ParsedOptions, ProgramHooks } from "./program.ts";
export { buildProgram, version } from "./program.ts";
export { inputWarnings, preparePipeline, runCommand } from "./run.ts";
export { EVENT_LINE, RunView } from "./run-view.ts";
export { SAMPLE_COUNT, SAMPLE_FILES } from "./sample/embedded.ts";
export type { SampleCategory, SampleDocument, WriteDocumentsOptions } from "./sample/generate.ts";
export {
	generateDocuments,
	SAMPLE_SEED,
	sampleCategories,
	writeDocuments,
} from "./sample/generate.ts";
export { SeededRandom } from "./sample/random.ts";
export { submitCommand } from "./submit.ts";
