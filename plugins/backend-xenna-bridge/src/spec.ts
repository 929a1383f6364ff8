import { isBarrier, type ProcessingStage } from "@curator/core";
import { faultOptionRules, fuseStages, resolveFaultPolicy } from "@curator/runtime";
import { encodeStage } from "@curator/runtime/codec";
import { type XennaConfig, type XennaStageOptions, xennaDefaults } from "./options.ts";

/** A pipeline stage inside a Xenna stage. */
export interface StageMemberWire {
	name: string;
	/** Its index in the pipeline: its key in the Node worker and its descriptor's frame. */
	index: number;
}

/**
 * One Xenna stage as the driver gets it in `submit`: one pipeline stage, or
 * several fused ones (`members`) that its Node workers run one after another
 * on each batch. Their descriptors travel as frames, one per pipeline stage.
 */
export interface StageSpecWire {
	/** The stage's name, or the fused stages' names joined by `+`. */
	name: string;
	/** The TypeScript class name(s): the Python stage class is named after it. */
	className: string;
	/** The first member's key. */
	key: string;
	members: StageMemberWire[];
	isSource: boolean;
	batchSize: number;
	/** Core's `isBarrier`: the driver runs the stage on its own, once, over every task of the run. */
	barrier: boolean;
	resources: { cpus: number; gpus: number };
	numWorkers?: number | "auto";
	numWorkersPerNode?: number;
	numSetupAttempts: number;
	numRunAttempts: number;
	ignoreFailures: boolean;
	/** Time limit of one attempt of one batch, in seconds (the Node worker is killed past it). */
	processTimeoutS?: number;
	/** Time limit of a Node worker's teardown, in seconds (it is killed past it; the run goes on). */
	teardownTimeoutS: number;
	resetWorkersOnFailure?: boolean;
	slotsPerActor?: number;
	workerMaxLifetimeM?: number;
	workerRestartIntervalM?: number;
	maxSetupFailurePercentage?: number;
}

/** The run settings of `submit`. */
export interface RunSpecWire {
	executionMode: "streaming" | "batch";
	loggingIntervalS: number;
	ignoreFailures: boolean;
	cpuAllocationPercentage: number;
	autoscaleIntervalS: number;
	maxWorkersPerStage?: number;
	rayAddress?: string;
	localCpus?: number;
	objectStoreMemoryMb?: number;
	resourceMonitor: boolean;
	/** Keep idle stage actors for the next Xenna pipeline of the driver. */
	reuseActors: boolean;
	/** Folders the driver hands to Ray as the run's `runtime_env` (a run that ships itself). */
	ship?: { app: string; node: string; bridge: string };
	ignoreHeadNode: boolean;
}

/** Stage specs and descriptor frames for `submit`. */
export interface PipelineWire {
	stages: StageSpecWire[];
	descriptors: Uint8Array[];
}

/**
 * Builds the stages of `submit`: consecutive stages fused under the runtime's
 * `fuseStages` rule (and the same other `xenna` options) into one Xenna
 * stage each, descriptors from `@curator/runtime/codec`
 * (failing, by field, for a stage that cannot travel), resources mapped to
 * Xenna's (`cpus`, `gpus`; `gpuMemoryGb` counts as one GPU, since the GPU's
 * memory is unknown here), and the per-stage Xenna options with their
 * defaults resolved. The options and resource kinds were checked when the
 * run started (`xennaStageSchema`, `xennaSchedules`).
 */
export function pipelineWire(
	stages: readonly ProcessingStage[],
	config: XennaConfig,
): PipelineWire {
	const descriptors = stages.map((stage) => encodeStage(stage));
	const groups = fuseStages(stages, {
		enabled: config.fuseStages ?? xennaDefaults.fuseStages,
		optionsOf: (stage) => stage.backend.xenna,
		config,
		alike: (a, b) => placementOf(a) === placementOf(b),
	});
	let next = 0;
	const specs = groups.map((group): StageSpecWire => {
		const stage = group[0] as ProcessingStage;
		// Groups are runs of consecutive stages.
		const members = group.map((member) => ({ name: member.name, index: next++ }));
		const own: XennaStageOptions = stage.backend.xenna ?? {};
		const { resources } = stage;
		const policy = resolveFaultPolicy(own, config);
		const numWorkers =
			own.numWorkers ?? (own.numWorkersPerNode === undefined ? stage.numWorkers() : undefined);
		return dropUndefined({
			name: members.map((member) => member.name).join("+"),
			className: group.map((member) => member.constructor.name).join("_"),
			key: String(members[0]?.index),
			members,
			isSource: stage.role === "source",
			batchSize: stage.batchSize,
			barrier: isBarrier(stage),
			resources: { cpus: resources.cpus, gpus: resources.gpuFraction() },
			numWorkers,
			numWorkersPerNode: own.numWorkersPerNode,
			numSetupAttempts: policy.numSetupAttempts,
			numRunAttempts: policy.numRunAttempts,
			ignoreFailures: policy.ignoreFailures,
			processTimeoutS: policy.processTimeoutS,
			teardownTimeoutS: policy.teardownTimeoutS,
			resetWorkersOnFailure: own.resetWorkersOnFailure,
			slotsPerActor: own.slotsPerActor,
			workerMaxLifetimeM: own.workerMaxLifetimeM,
			workerRestartIntervalM: own.workerRestartIntervalM,
			maxSetupFailurePercentage: own.maxSetupFailurePercentage,
		});
	});
	return { stages: specs, descriptors };
}

/** The run settings of `submit`, defaults applied. */
export function runWire(
	config: XennaConfig,
	ignoreHeadNode = false,
	ship?: RunSpecWire["ship"],
): RunSpecWire {
	const rayAddress = config.rayAddress ?? process.env.RAY_ADDRESS;
	return dropUndefined({
		executionMode: config.executionMode ?? xennaDefaults.executionMode,
		loggingIntervalS: config.loggingIntervalS ?? xennaDefaults.loggingIntervalS,
		ignoreFailures: resolveFaultPolicy(undefined, config).ignoreFailures,
		cpuAllocationPercentage:
			config.cpuAllocationPercentage ?? xennaDefaults.cpuAllocationPercentage,
		autoscaleIntervalS: config.autoscaleIntervalS ?? xennaDefaults.autoscaleIntervalS,
		maxWorkersPerStage: config.maxWorkersPerStage,
		rayAddress: rayAddress === "" ? undefined : rayAddress,
		localCpus: config.localCpus,
		objectStoreMemoryMb: config.objectStoreMemoryMb,
		resourceMonitor: config.resourceMonitor ?? xennaDefaults.resourceMonitor,
		reuseActors: config.reuseActors ?? xennaDefaults.reuseActors,
		ignoreHeadNode,
		ship,
	});
}

/** Options fusion compares on its own (the fault policy's) or that only say whether to fuse. */
const fusionOwnKeys = new Set(["fuse", ...Object.keys(faultOptionRules)]);

/** The `xenna` options other than the fault policy's and `fuse`: fused stages share them. */
function placementOf(stage: ProcessingStage): string {
	const placement = Object.entries(stage.backend.xenna ?? {}).filter(
		([key]) => !fusionOwnKeys.has(key),
	);
	return JSON.stringify(placement.sort(([a], [b]) => a.localeCompare(b)));
}

function dropUndefined<T extends object>(value: T): T {
	return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
