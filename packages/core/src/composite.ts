import { CuratorError, ErrorCodes } from "./errors.ts";
import { isProcessingStage, type ProcessingStage, type StageSettings } from "./stage.ts";

const compositeBrand = Symbol.for("curator.composite");

/**
 * A user-facing stage made of execution stages (for example a reader made of
 * file partitioning and reading). It never runs itself: `Pipeline.build()`
 * replaces it by {@link CompositeStage.decompose}'s stages, with the
 * per-sub-stage overrides given to {@link CompositeStage.with}.
 */
export abstract class CompositeStage {
	/** Name of the composite (the sub-stages keep their own names). */
	name: string;
	/** Overrides by sub-stage name. */
	overrides: Record<string, StageSettings> = {};

	constructor(settings: { name?: string } = {}) {
		this.name = settings.name ?? new.target.name;
	}

	/** The execution stages, in order. Must not contain composites. */
	abstract decompose(): ProcessingStage[];

	/** A copy whose sub-stages named in `overrides` are reconfigured with `with()`. */
	with(overrides: Record<string, StageSettings>): this {
		const copy = Object.create(Object.getPrototypeOf(this)) as this;
		Object.assign(copy, this);
		copy.overrides = { ...this.overrides };
		for (const [name, settings] of Object.entries(overrides)) {
			copy.overrides[name] = { ...copy.overrides[name], ...settings };
		}
		return copy;
	}

	/** Decomposes, checks the sub-stages and applies the overrides. */
	expand(): ProcessingStage[] {
		const stages = this.decompose();
		const names = new Set<string>();
		for (const stage of stages) {
			if (isCompositeStage(stage)) {
				throw invalid(
					this,
					`nested composite "${(stage as CompositeStage).name}" is not supported`,
				);
			}
			if (!isProcessingStage(stage)) {
				throw invalid(this, "decompose() must return processing stages only");
			}
			if (names.has(stage.name)) throw invalid(this, `duplicate sub-stage name "${stage.name}"`);
			names.add(stage.name);
		}
		for (const name of Object.keys(this.overrides)) {
			if (!names.has(name)) {
				throw invalid(
					this,
					`override names "${name}", which is not one of [${[...names].join(", ")}]`,
				);
			}
		}
		return stages.map((stage) => {
			const settings = this.overrides[stage.name];
			return settings === undefined ? stage : stage.with(settings);
		});
	}
}

Object.defineProperty(CompositeStage.prototype, compositeBrand, { value: true });

/** Whether `value` is a {@link CompositeStage}. */
export function isCompositeStage(value: unknown): value is CompositeStage {
	return (
		typeof value === "object" &&
		value !== null &&
		(value as Record<symbol, unknown>)[compositeBrand] === true
	);
}

function invalid(composite: CompositeStage, message: string): CuratorError {
	return new CuratorError(ErrorCodes.invalidPipeline, `composite "${composite.name}": ${message}`);
}
