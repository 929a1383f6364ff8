import { CuratorError, ErrorCodes } from "./errors.ts";

/** What a stage asks for per worker. */
export interface ResourcesInit {
	/** CPU cores per worker (fractions allowed). Default 1. */
	cpus?: number;
	/** GPUs per worker (fractions allowed). Default 0. Exclusive with `gpuMemoryGb`. */
	gpus?: number;
	/** GPU memory per worker in GiB; turned into a GPU fraction. Exclusive with `gpus`. */
	gpuMemoryGb?: number;
	/** Hardware video decoders per worker. */
	nvdecs?: number;
	/** Hardware video encoders per worker. */
	nvencs?: number;
	/** Whether the worker needs whole GPUs (with their codecs). Needs `gpus` >= 1, whole. */
	entireGpu?: boolean;
}

/** Defaults of {@link ResourcesInit}. */
export const resourceDefaults = {
	cpus: 1,
	gpus: 0,
	gpuMemoryGb: 0,
	nvdecs: 0,
	nvencs: 0,
	entireGpu: false,
} as const;

/**
 * Validated per-worker resource request of a stage.
 *
 * `gpuMemoryGb` is resolved into a GPU fraction by {@link Resources.gpuFraction}
 * from the memory of the detected GPU. Fallback when no GPU memory is known
 * (no GPU, or detection failed): the request counts as one whole GPU, so a
 * machine without GPUs rejects it up front instead of oversubscribing.
 */
export class Resources {
	readonly cpus: number;
	readonly gpus: number;
	readonly gpuMemoryGb: number;
	readonly nvdecs: number;
	readonly nvencs: number;
	readonly entireGpu: boolean;

	constructor(init: ResourcesInit = {}) {
		const values = { ...resourceDefaults, ...init };
		for (const key of ["cpus", "gpus", "gpuMemoryGb", "nvdecs", "nvencs"] as const) {
			const value = values[key];
			if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
				throw invalid(`${key} must be a finite number >= 0, got ${String(value)}`);
			}
		}
		if (!Number.isInteger(values.nvdecs) || !Number.isInteger(values.nvencs)) {
			throw invalid("nvdecs and nvencs must be whole numbers");
		}
		if (values.gpus > 0 && values.gpuMemoryGb > 0) {
			throw invalid("set either gpus or gpuMemoryGb, not both");
		}
		if (values.entireGpu && (values.gpus < 1 || !Number.isInteger(values.gpus))) {
			throw invalid("entireGpu needs gpus set to a whole number >= 1");
		}
		if (values.gpus > 1 && !Number.isInteger(values.gpus)) {
			throw invalid(`more than one GPU must be a whole number, got ${values.gpus}`);
		}
		if (values.cpus === 0 && values.gpus === 0 && values.gpuMemoryGb === 0) {
			throw invalid("a worker needs some cpus or gpus");
		}
		this.cpus = values.cpus;
		this.gpus = values.gpus;
		this.gpuMemoryGb = values.gpuMemoryGb;
		this.nvdecs = values.nvdecs;
		this.nvencs = values.nvencs;
		this.entireGpu = values.entireGpu;
	}

	/** Whether a worker needs a GPU at all. */
	get requiresGpu(): boolean {
		return this.gpus > 0 || this.gpuMemoryGb > 0 || this.entireGpu;
	}

	/**
	 * GPUs per worker: `gpus` when set, else `gpuMemoryGb` as a fraction of one
	 * GPU of `deviceMemoryGb` (rounded up to 1/100, at most 1), else 0.
	 */
	gpuFraction(deviceMemoryGb?: number): number {
		if (this.gpus > 0) return this.gpus;
		if (this.gpuMemoryGb === 0) return 0;
		if (deviceMemoryGb === undefined || deviceMemoryGb <= 0) return 1;
		return Math.min(1, Math.ceil((this.gpuMemoryGb / deviceMemoryGb) * 100) / 100);
	}

	/** A copy with some fields changed, validated again. */
	with(changes: ResourcesInit): Resources {
		return new Resources({ ...this.toJSON(), ...changes });
	}

	/** Plain data form (also what travels to workers). */
	toJSON(): Required<ResourcesInit> {
		return {
			cpus: this.cpus,
			gpus: this.gpus,
			gpuMemoryGb: this.gpuMemoryGb,
			nvdecs: this.nvdecs,
			nvencs: this.nvencs,
			entireGpu: this.entireGpu,
		};
	}
}

function invalid(message: string): CuratorError {
	return new CuratorError(ErrorCodes.invalidResources, `invalid resources: ${message}`);
}

/** What a machine (one node) offers to workers. */
export interface MachineResources {
	cpus: number;
	gpus: number;
	/** Memory of one GPU in GiB, when known. */
	gpuMemoryGb?: number;
}
