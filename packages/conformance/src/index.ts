import { describe } from "vitest";
import { registerAbortCases } from "./cases/abort.ts";
import { registerBarrierCases } from "./cases/barrier.ts";
import { registerBatchRecordCases } from "./cases/batch-records.ts";
import { registerBatchingCases } from "./cases/batching.ts";
import { registerCapabilityCases } from "./cases/capabilities.ts";
import { registerCompositeCases } from "./cases/composite.ts";
import { registerDeterminismCases } from "./cases/determinism.ts";
import { registerFactoryCases } from "./cases/factory.ts";
import { registerFanOutCases } from "./cases/fan-out.ts";
import { registerFilteringCases } from "./cases/filtering.ts";
import { registerIsolationCases } from "./cases/isolation.ts";
import { registerLifecycleCases } from "./cases/lifecycle.ts";
import { registerMetricsCases } from "./cases/metrics.ts";
import { registerOptionCases } from "./cases/options.ts";
import { registerOutputFolderCases } from "./cases/output-folder.ts";
import { registerPerfCases } from "./cases/perf.ts";
import { registerPipelineCases } from "./cases/pipeline.ts";
import { registerResourceCases } from "./cases/resources.ts";
import { registerRootCases } from "./cases/roots.ts";
import { registerStageErrorCases } from "./cases/stage-errors.ts";
import { registerStageKindCases } from "./cases/stage-kinds.ts";
import { registerStreamingCases } from "./cases/streaming.ts";
import type { ExecutorFactory } from "./kit.ts";
import { type ConformanceOptions, resolveConformanceOptions } from "./options.ts";

export type { StageIdLedger } from "./batch-records.ts";
export { batchRecordProblems, stageIdLedgers } from "./batch-records.ts";
export { canonicalForm } from "./canonical.ts";
export { registerAbortCases } from "./cases/abort.ts";
export { registerBarrierCases } from "./cases/barrier.ts";
export { registerBatchRecordCases } from "./cases/batch-records.ts";
export { registerBatchingCases } from "./cases/batching.ts";
export { registerCapabilityCases } from "./cases/capabilities.ts";
export { registerCompositeCases } from "./cases/composite.ts";
export { registerDeterminismCases } from "./cases/determinism.ts";
export { registerFactoryCases } from "./cases/factory.ts";
export { registerFanOutCases } from "./cases/fan-out.ts";
export type { FaultExecutorFactory, FaultSettings } from "./cases/faults.ts";
export { registerFaultCases } from "./cases/faults.ts";
export { registerFilteringCases } from "./cases/filtering.ts";
export type {
	GpuPlacementExecutorFactory,
	GpuPlacementSettings,
} from "./cases/gpu-placement.ts";
export { registerGpuPlacementCases } from "./cases/gpu-placement.ts";
export { registerIsolationCases } from "./cases/isolation.ts";
export { registerLifecycleCases } from "./cases/lifecycle.ts";
export { registerMetricsCases } from "./cases/metrics.ts";
export { registerOptionCases } from "./cases/options.ts";
export { registerOutputFolderCases } from "./cases/output-folder.ts";
export { registerPerfCases } from "./cases/perf.ts";
export { registerPipelineCases } from "./cases/pipeline.ts";
export { registerResourceCases } from "./cases/resources.ts";
export { registerResumeCases } from "./cases/resume.ts";
export { registerRootCases } from "./cases/roots.ts";
export type { SpillExecutorFactory, SpillSettings } from "./cases/spill.ts";
export { registerSpillCases } from "./cases/spill.ts";
export { registerStageErrorCases } from "./cases/stage-errors.ts";
export { registerStageKindCases } from "./cases/stage-kinds.ts";
export { registerStreamingCases } from "./cases/streaming.ts";
export { registerTimeLimitCases } from "./cases/timeouts.ts";
export type { TaskSnapshot } from "./compare.ts";
export { contentOf, snapshotTasks, sortedTaskIds } from "./compare.ts";
export type { BatchDoneEvent, Scenario } from "./expectations.ts";
export { batchesOf, eventLog, expectReferenceOutputs, idsAndData, rows } from "./expectations.ts";
export type { CaseBody, ConformanceKit, ExecutorFactory, SkipWhen } from "./kit.ts";
export { conformanceKit, disposeExecutor } from "./kit.ts";
export type { ConformanceOptions, ResolvedConformanceOptions } from "./options.ts";
export { conformanceDefaults, resolveConformanceOptions } from "./options.ts";
export type { ProcessInfo } from "./processes.ts";
export {
	canListProcesses,
	childProcessesOf,
	descendantProcessesOf,
	liveProcesses,
	waitUntilGone,
} from "./processes.ts";
export { ReferenceExecutor, referenceSupports } from "./reference.ts";
export type { ExecutorModule, HoldPoint } from "./resume/protocol.ts";
export { expectNoWorkerLeft, WorkerPids } from "./traits/no-worker-left.ts";
export type { StageErrorSubject } from "./traits/stage-error.ts";
export { stageErrorTrait } from "./traits/stage-error.ts";

/** A case registrar: registers one concern's cases for a backend in the current suite. */
export type CaseRegistrar = (factory: ExecutorFactory, options?: ConformanceOptions) => void;

/** Every registrar, in the order {@link describeBackendConformance} runs them (factory first). */
export const conformanceRegistrars: readonly CaseRegistrar[] = [
	registerFactoryCases,
	registerPipelineCases,
	registerFanOutCases,
	registerFilteringCases,
	registerBatchingCases,
	registerBatchRecordCases,
	registerBarrierCases,
	registerStageKindCases,
	registerRootCases,
	registerCompositeCases,
	registerDeterminismCases,
	registerPerfCases,
	registerMetricsCases,
	registerLifecycleCases,
	registerStageErrorCases,
	registerResourceCases,
	registerCapabilityCases,
	registerOptionCases,
	registerAbortCases,
	registerIsolationCases,
	registerStreamingCases,
	registerOutputFolderCases,
];

/**
 * Registers the whole conformance suite for one backend in a vitest
 * `describe(name)` block. `factory` returns a fresh executor on every call;
 * what the backend supports is read from `factory().supports`, and cases it
 * does not support are skipped with the reason in their name. `options`
 * holds environment knobs only; an unknown key throws, naming it.
 *
 * @example
 * describeBackendConformance("my-backend", () => new MyExecutor());
 */
export function describeBackendConformance(
	name: string,
	factory: ExecutorFactory,
	options: ConformanceOptions = {},
): void {
	resolveConformanceOptions(options);
	describe(name, () => {
		for (const register of conformanceRegistrars) register(factory, options);
	});
}
