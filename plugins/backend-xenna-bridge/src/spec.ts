import { CuratorError, ErrorCodes, isBarrier, type ProcessingStage } from "@curator/core";
import { encodeStage, faultOptionsProblem, resolveFaultPolicy } from "@curator/runtime";
import { backendName } from "./errors.ts";
import { type XennaConfig, type XennaStageOptions, xennaDefaults } from "./options.ts";

/** One stage as the driver gets it in `submit` (its descriptor travels as a frame). */
export interface StageSpecWire {
	name: string;
	/** The TypeScript class name: the Python stage class is named after it. */
	className: string;
	key: string;
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
	objectStoreMemoryMb: number;
	resourceMonitor: boolean;
	ignoreHeadNode: boolean;
}

/** Stage specs and descriptor frames for `submit`. */
export interface PipelineWire {
	stages: StageSpecWire[];
	descriptors: Uint8Array[];
}

const invalid = (message: string) =>
	new CuratorError(ErrorCodes.invalidConfig, `${backendName}: ${message}`);

/**
 * Builds the stages of `submit`: descriptors from `@curator/runtime`
 * (failing, by field, for a stage that cannot travel), resources mapped to
 * Xenna's (`cpus`, `gpus`; `gpuMemoryGb` counts as one GPU, since the GPU's
 * memory is unknown here), and the per-stage Xenna options with their
 * defaults resolved.
 */
export function pipelineWire(
	stages: readonly ProcessingStage[],
	config: XennaConfig,
): PipelineWire {
	const descriptors = stages.map((stage) => encodeStage(stage));
	const specs = stages.map((stage, index): StageSpecWire => {
		const own: XennaStageOptions = stage.backend.xenna ?? {};
		validateStageOptions(stage.name, own);
		const { resources } = stage;
		if (resources.nvdecs > 0 || resources.nvencs > 0) {
			throw new CuratorError(
				ErrorCodes.unsatisfiableResources,
				`${backendName}: stage "${stage.name}" asks for hardware video codecs (nvdecs/nvencs), which Cosmos-Xenna ${xennaDefaults.xennaVersion} cannot schedule`,
			);
		}
		const policy = resolveFaultPolicy(own, config);
		const numWorkers =
			own.numWorkers ?? (own.numWorkersPerNode === undefined ? stage.numWorkers() : undefined);
		return dropUndefined({
			name: stage.name,
			className: stage.constructor.name,
			key: String(index),
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
export function runWire(config: XennaConfig, ignoreHeadNode = false): RunSpecWire {
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
		objectStoreMemoryMb: config.objectStoreMemoryMb ?? xennaDefaults.objectStoreMemoryMb,
		resourceMonitor: config.resourceMonitor ?? xennaDefaults.resourceMonitor,
		ignoreHeadNode,
	});
}

/** Validates the executor config up front; throws `CURATOR_INVALID_CONFIG` naming the key. */
export function validateConfig(config: XennaConfig): void {
	const mode = config.executionMode;
	if (mode !== undefined && mode !== "streaming" && mode !== "batch") {
		throw invalid(`executionMode must be "streaming" or "batch", got ${JSON.stringify(mode)}`);
	}
	const wholeAtLeastOne = [
		"maxWorkersPerStage",
		"localCpus",
		"objectStoreMemoryMb",
		"maxMessageBytes",
	] as const;
	for (const key of wholeAtLeastOne) wholeNumber(key, config[key]);
	const keep = config.keepAliveS;
	if (keep !== undefined && !(typeof keep === "number" && Number.isFinite(keep) && keep >= 0)) {
		throw invalid(`keepAliveS must be a number >= 0, got ${String(keep)}`);
	}
	const positive = [
		"loggingIntervalS",
		"autoscaleIntervalS",
		"handshakeTimeoutS",
		"cancelGraceS",
	] as const;
	for (const key of positive) {
		const value = config[key];
		if (
			value !== undefined &&
			!(typeof value === "number" && Number.isFinite(value) && value > 0)
		) {
			throw invalid(`${key} must be a number > 0, got ${String(value)}`);
		}
	}
	const fault = faultOptionsProblem(config);
	if (fault !== undefined) throw invalid(fault);
	const pct = config.cpuAllocationPercentage;
	if (pct !== undefined && !(typeof pct === "number" && pct > 0 && pct <= 1)) {
		throw invalid(`cpuAllocationPercentage must be in (0, 1], got ${String(pct)}`);
	}
	for (const key of ["rayAddress", "python", "bindHost"] as const) {
		const value = config[key];
		if (value !== undefined && (typeof value !== "string" || value.trim() === "")) {
			throw invalid(`${key} must be a non-empty string`);
		}
	}
}

function validateStageOptions(stage: string, own: XennaStageOptions): void {
	const where = (key: string) => `stage "${stage}": xenna.${key}`;
	if (own.numWorkers !== undefined && own.numWorkers !== "auto") {
		wholeNumber(where("numWorkers"), own.numWorkers);
	}
	if (own.numWorkers !== undefined && own.numWorkersPerNode !== undefined) {
		throw invalid(`${where("numWorkers")} and numWorkersPerNode are exclusive`);
	}
	if (own.numWorkersPerNode !== undefined && !(own.numWorkersPerNode > 0)) {
		throw invalid(`${where("numWorkersPerNode")} must be > 0`);
	}
	const fault = faultOptionsProblem(own, `stage "${stage}": xenna.`);
	if (fault !== undefined) throw invalid(fault);
	wholeNumber(where("slotsPerActor"), own.slotsPerActor);
	for (const key of [
		"workerMaxLifetimeM",
		"workerRestartIntervalM",
		"maxSetupFailurePercentage",
	] as const) {
		const value = own[key];
		if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
			throw invalid(`${where(key)} must be a number >= 0`);
		}
	}
}

function wholeNumber(key: string, value: unknown): void {
	if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1)) {
		throw invalid(`${key} must be a whole number >= 1, got ${String(value)}`);
	}
}

function dropUndefined<T extends object>(value: T): T {
	return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
