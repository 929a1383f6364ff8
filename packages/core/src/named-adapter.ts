import type { BaseStageAdapter } from "./adapter.ts";
import type { ProcessingStage } from "./stage.ts";
import type { Task } from "./task.ts";

/** A constructor of adapters taking the stage as its one argument. */
export type AdapterClass<A extends BaseStageAdapter> = new (stage: ProcessingStage) => A;

/**
 * Instantiates `Adapter` through a subclass named after the stage's class, so
 * `adapter.constructor.name` (and with it logs, process titles and
 * dashboards) reads `JsonlReaderStage`, not the adapter's own name.
 */
export function createNamedAdapter<A extends BaseStageAdapter<Task, Task>>(
	stage: ProcessingStage,
	Adapter: AdapterClass<A>,
): A {
	const className = stage.constructor.name || stage.name;
	const Named = { [className]: class extends (Adapter as AdapterClass<BaseStageAdapter>) {} }[
		className
	] as AdapterClass<A>;
	return new Named(stage);
}
