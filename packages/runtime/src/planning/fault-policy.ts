import { ErrorCodes, type OptionRules, optionRules } from "@curator/core";

/**
 * What a backend does when a batch or a worker fails: one policy, with the
 * same option names and defaults on every backend. Each option can be set on
 * a stage (its backend's `backend.<key>` options), on the executor's config,
 * or left to {@link faultPolicyDefaults}; {@link resolveFaultPolicy} applies
 * that order. The table of options and of which errors retry is in the
 * runtime README ("Fault policy").
 */
export interface FaultPolicy {
	/**
	 * Attempts per batch (1 = no retry) when its worker died, its stage threw
	 * or it ran past `processTimeoutS`. Errors of the run rather than of the
	 * batch never retry (see {@link isRetriedErrorCode}).
	 */
	numRunAttempts: number;
	/** Attempts to set a worker up before the stage fails. */
	numSetupAttempts: number;
	/** Record a batch whose attempts all failed in the failure report and go on, instead of failing the run. */
	ignoreFailures: boolean;
	/**
	 * Time limit of one attempt of one batch, in seconds (no limit when
	 * `undefined`). Past it the attempt fails and its worker is killed and
	 * replaced. It counts from when the worker starts the batch.
	 */
	processTimeoutS: number | undefined;
	/**
	 * Time limit of a worker's `teardown`, in seconds. Past it the worker is
	 * killed; the run goes on and reports it (a `warn` log event).
	 */
	teardownTimeoutS: number;
}

/** The options of a {@link FaultPolicy} as a stage or an executor config sets them: each optional. */
export type FaultOptions = { [K in keyof FaultPolicy]?: FaultPolicy[K] };

/** Defaults of every {@link FaultPolicy} option, on every backend. */
export const faultPolicyDefaults = {
	numRunAttempts: 2,
	numSetupAttempts: 2,
	ignoreFailures: false,
	processTimeoutS: undefined,
	teardownTimeoutS: 30,
} as const;

/** The option names of a {@link FaultPolicy}, for config validation and wire mapping. */
export const faultOptionKeys = [
	"numRunAttempts",
	"numSetupAttempts",
	"ignoreFailures",
	"processTimeoutS",
	"teardownTimeoutS",
] as const satisfies readonly (keyof FaultPolicy)[];

/**
 * The policy of one stage: each option from the stage's own options, else
 * from the executor's config, else from {@link faultPolicyDefaults}.
 */
export function resolveFaultPolicy(
	stage: FaultOptions | undefined,
	config: FaultOptions | undefined,
): FaultPolicy {
	const own = stage ?? {};
	const shared = config ?? {};
	return {
		numRunAttempts:
			own.numRunAttempts ?? shared.numRunAttempts ?? faultPolicyDefaults.numRunAttempts,
		numSetupAttempts:
			own.numSetupAttempts ?? shared.numSetupAttempts ?? faultPolicyDefaults.numSetupAttempts,
		ignoreFailures:
			own.ignoreFailures ?? shared.ignoreFailures ?? faultPolicyDefaults.ignoreFailures,
		processTimeoutS:
			own.processTimeoutS ?? shared.processTimeoutS ?? faultPolicyDefaults.processTimeoutS,
		teardownTimeoutS:
			own.teardownTimeoutS ?? shared.teardownTimeoutS ?? faultPolicyDefaults.teardownTimeoutS,
	};
}

/** Whether two stages behave alike on failure (so they may share one worker call). */
export function samePolicy(a: FaultPolicy, b: FaultPolicy): boolean {
	return faultOptionKeys.every((key) => a[key] === b[key]);
}

/**
 * Rules of the fault options for core's option schemas (a backend spreads
 * them into its config and per-stage schemas): attempts are whole numbers
 * >= 1, time limits positive finite numbers of seconds, `ignoreFailures` a
 * boolean.
 */
export const faultOptionRules: OptionRules<FaultOptions> = {
	numRunAttempts: optionRules.whole(),
	numSetupAttempts: optionRules.whole(),
	ignoreFailures: optionRules.boolean,
	processTimeoutS: optionRules.number({ above: 0 }),
	teardownTimeoutS: optionRules.number({ above: 0 }),
};

/**
 * Errors of the run, not of the batch: the same batch would fail the same way
 * on any worker (a broken wire, a stage that cannot travel, a worker asked to
 * start a pipeline run) or the failure is about where outputs go (spill), so
 * a retry only wastes time and hides the cause.
 */
const notRetried: ReadonlySet<string> = new Set([
	ErrorCodes.protocol,
	ErrorCodes.notPortable,
	ErrorCodes.runInWorker,
	ErrorCodes.spillFailed,
]);

/**
 * Whether an error a worker reported for a batch (by its `CURATOR_*` code,
 * if any) is retried within `numRunAttempts`: everything a stage throws is
 * (it may be transient: a network call, a full disk, a flaky model server),
 * the run-level errors above are not.
 */
export function isRetriedErrorCode(code: string | undefined): boolean {
	return code === undefined || !notRetried.has(code);
}
