import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import {
	type BaseExecutor,
	type ExecutorSupports,
	Pipeline,
	type PipelineStage,
	type ResourceKind,
	type RunOptions,
	type RunResult,
	type Task,
} from "@curator/core";
import { afterAll, type ExpectStatic, it } from "vitest";
import { disposeExecutor } from "./dispose.ts";
import {
	type ConformanceOptions,
	type ResolvedConformanceOptions,
	resolveConformanceOptions,
} from "./options.ts";
import { ReferenceExecutor } from "./reference.ts";

export { disposeExecutor } from "./dispose.ts";

/**
 * Makes a fresh executor. Called once to read `supports` while cases are
 * collected, then once per run. An executor that holds resources may
 * define `[Symbol.asyncDispose]()` or `close()`; the kit calls it after
 * every run.
 */
export type ExecutorFactory = () => BaseExecutor;

/** Why a case is skipped: the case is registered with `it.skipIf(when)` and `because` in its name. */
export interface SkipWhen {
	when: boolean;
	because: string;
}

/** A case body; it asserts with the test context's `expect`. */
export type CaseBody = (expect: ExpectStatic) => Promise<void>;

/** What every case registrar works with: the backend under test and the helpers of the kit. */
export interface ConformanceKit {
	/** The backend name the executor reports. */
	readonly backend: string;
	/** The capability manifest of a fresh executor. */
	readonly supports: Readonly<ExecutorSupports>;
	/** The resource kinds beyond CPUs a fresh executor declares it schedules. */
	readonly schedules: readonly ResourceKind[];
	/** The key of the backend's per-stage options under `stage.backend`, if it has some. */
	readonly stageOptionsKey: string | undefined;
	readonly options: ResolvedConformanceOptions;
	/** Registers a case; a skipped case stays in the report, with its reason in its name. */
	test(name: string, body: CaseBody, skip?: SkipWhen): void;
	/** Runs `stages` as a pipeline on a fresh executor of the backend under test. */
	run(stages: PipelineStage[], initialTasks?: Task[], options?: RunOptions): Promise<RunResult>;
	/** Runs `work` with a fresh executor of the backend under test, disposed afterwards. */
	withExecutor<T>(work: (executor: BaseExecutor) => Promise<T>): Promise<T>;
	/** Runs `stages` on the kit's {@link ReferenceExecutor}. */
	reference(
		stages: PipelineStage[],
		initialTasks?: Task[],
		options?: RunOptions,
	): Promise<RunResult>;
	/** Runs `work` with a fresh temp folder under `options.tempDir`, removed afterwards. */
	withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T>;
}

/**
 * The skip of a case about retried crashes: it needs `supports.processIsolation`
 * (in-process, a crash would end the test run) and `supports.retries`.
 */
export function retriedCrashSkip(supports: Readonly<ExecutorSupports>): SkipWhen {
	if (!supports.processIsolation)
		return { when: true, because: "supports.processIsolation is false" };
	return { when: !supports.retries, because: "supports.retries is false" };
}

/**
 * How long a task held at a `GateStage` gate waits before it throws:
 * a quarter of the case timeout, so that even a backend that retries the
 * task in place (one retry, as by default) fails the run with a stage error
 * before the case times out, instead of hanging it.
 */
export function gateWaitMs(kit: ConformanceKit): number {
	return kit.options.timeoutMs / 4;
}

interface Probe {
	backend: string;
	supports: Readonly<ExecutorSupports>;
	schedules: readonly ResourceKind[];
	stageOptionsKey: string | undefined;
}

const probes = new WeakMap<ExecutorFactory, Probe>();

/**
 * Builds the kit for `factory`: validates the options (unknown keys throw by
 * name) and reads `supports` from one fresh executor, disposed after the
 * enclosing suite. Case registrars call it; authors of extra cases may too.
 */
export function conformanceKit(
	factory: ExecutorFactory,
	options: ConformanceOptions = {},
): ConformanceKit {
	if (typeof factory !== "function") {
		throw new TypeError("conformance: the executor factory must be a function");
	}
	const resolved = resolveConformanceOptions(options);
	const probe = probeOf(factory);
	return {
		backend: probe.backend,
		supports: probe.supports,
		schedules: probe.schedules,
		stageOptionsKey: probe.stageOptionsKey,
		options: resolved,
		test(name, body, skip) {
			const skipped = skip?.when === true;
			const title = skipped ? `${name} (skipped: ${skip.because})` : name;
			it.skipIf(skipped)(title, ({ expect }) => body(expect), resolved.timeoutMs);
		},
		run(stages, initialTasks, runOptions) {
			return this.withExecutor((executor) =>
				pipelineOf(stages).run(executor, initialTasks, runOptions),
			);
		},
		async withExecutor(work) {
			const executor = factory();
			try {
				return await work(executor);
			} finally {
				await disposeExecutor(executor);
			}
		},
		reference(stages, initialTasks, runOptions) {
			return pipelineOf(stages).run(new ReferenceExecutor(), initialTasks, runOptions);
		},
		async withTempDir(work) {
			const dir = await mkdtemp(join(resolved.tempDir, "curator-conformance-"));
			try {
				return await work(dir);
			} finally {
				await rm(dir, { recursive: true, force: true });
			}
		},
	};
}

function probeOf(factory: ExecutorFactory): Probe {
	const known = probes.get(factory);
	if (known !== undefined) return known;
	const executor = factory();
	const probe: Probe = {
		backend: executor.backend,
		supports: executor.supports,
		// An executor built on a core without capabilities declares none.
		schedules: executor.schedules ?? [],
		stageOptionsKey: executor.stageOptionsKey,
	};
	probes.set(factory, probe);
	afterAll(() => disposeExecutor(executor));
	return probe;
}

function pipelineOf(stages: PipelineStage[]): Pipeline {
	return new Pipeline({ name: "conformance", stages });
}
