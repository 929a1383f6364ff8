import {
	CuratorError,
	describeBatchSize,
	describeCountLimit,
	ErrorCodes,
	hasCustomSetup,
	isBarrier,
	isUnboundedCount,
	type MachineResources,
	optionsProblem,
	type ProcessingStage,
} from "@curator/core";
import { assertFitsMachine, samePolicy } from "@curator/runtime";
import { formatBytes } from "@curator/runtime/render";
import { type DataConfig, dataDefaults, dataOf, dataStageSchema, policyOf } from "./options.ts";
import { type PoolPlan, planPools } from "./pool-plan.ts";

/** How an operator runs: pooled tasks on the shared workers, or an actor pool of its own. */
export type OperatorKind = "tasks" | "actors";

/** One operator of the dataflow: one stage, or several fused stateless stages. */
export interface OperatorPlan {
	/** Its stages' names joined with `+` (the name retries and metrics use). */
	name: string;
	stages: string[];
	/** Positions of its stages in the pipeline. */
	stageIndexes: number[];
	kind: OperatorKind;
	/** Position of its pool in {@link ExecutionPlan.pools}. */
	pool: number;
	/** Positions of its stages among the stages its pool hosts. */
	poolStages: number[];
	/** Tasks per call: the `batchSize` of its first stage. */
	batchSize: number;
	/** Whether it holds the pipeline's source stage. */
	source: boolean;
	/** Bound of its input queue; `null` for the first operator (its input is the run's initial tasks). */
	queue: { maxBatches: number; maxTasks: number; maxBytes: number } | null;
	numRunAttempts: number;
	ignoreFailures: boolean;
	/** Time limit of one attempt of one of its batches, in seconds (none when `undefined`). */
	processTimeoutS: number | undefined;
}

/** What the executor will run: operators, pools and the worker bound. */
export interface ExecutionPlan {
	/** Upper bound of live workers over all pools. */
	maxWorkers: number;
	operators: OperatorPlan[];
	pools: PoolPlan[];
	warnings: string[];
}

/** What {@link planExecution} needs besides the stages. */
export interface PlanSettings {
	config: DataConfig;
	machine: MachineResources;
}

/**
 * Plans a run: checks each stage's options and resources (before any work
 * starts), decides tasks vs actors, fuses adjacent stateless stages, and sizes
 * the pools within `maxWorkers` (every pool keeps at least one worker); the
 * GPU pools, which run at the same time, each get their share of the visible
 * GPUs (a run where one of them could not get a worker fails here).
 */
export function planExecution(stages: ProcessingStage[], settings: PlanSettings): ExecutionPlan {
	const { config, machine } = settings;
	for (const stage of stages) checkStage(stage, machine);
	const total = config.maxWorkers ?? Math.max(1, Math.floor(machine.cpus));
	const kinds = stages.map((stage) => kindOf(stage));
	const groups = fuse(stages, kinds, config);
	const { pools, warnings } = planPools(stages, kinds, total, settings);
	const operators = groups.map((group, index) =>
		planOperator(stages, group, kinds, pools, config, index === 0 ? undefined : groups[index - 1]),
	);
	const floor = pools.reduce((sum, pool) => sum + pool.minWorkers, 0);
	if (floor > total) {
		warnings.push(
			`the pipeline needs ${floor} pools of at least one worker; running ${floor} workers although maxWorkers is ${total}`,
		);
	}
	return { maxWorkers: Math.max(total, floor), operators, pools, warnings };
}

/** The plan as readable lines (logged at the start of a run). */
export function describePlan(plan: ExecutionPlan): string {
	const lines = [
		`data: ${plan.operators.length} operator(s) on ${plan.pools.length} pool(s), at most ${plan.maxWorkers} worker(s)`,
	];
	for (const op of plan.operators) {
		const fused = op.stages.length > 1 ? ` fused(${op.stages.join(", ")})` : "";
		const queue = op.queue === null ? "initial tasks" : describeQueue(op.queue);
		const pool = plan.pools[op.pool]?.name ?? "?";
		const batch = `batch ${describeBatchSize(op.batchSize)}`;
		lines.push(`  ${op.name}: ${op.kind} on ${pool}${fused}, ${batch}, ${queue}`);
	}
	for (const pool of plan.pools) {
		lines.push(
			`  pool ${pool.name} (${pool.kind}): ${pool.minWorkers}..${pool.maxWorkers} worker(s), hosts ${pool.stages.join(", ")}`,
		);
	}
	for (const warning of plan.warnings) lines.push(`  warning: ${warning}`);
	return lines.join("\n");
}

/** An operator's input queue bound in words: no sentinel number is ever shown. */
function describeQueue(queue: { maxTasks: number; maxBytes: number }): string {
	if (isUnboundedCount(queue.maxBytes)) return "unbounded queue (barrier)";
	const bytes = formatBytes(queue.maxBytes);
	if (isUnboundedCount(queue.maxTasks)) return `queue of at most ${bytes}`;
	return `queue of at most ${describeCountLimit(queue.maxTasks, "tasks")} / ${bytes}`;
}

function kindOf(stage: ProcessingStage): OperatorKind {
	if (stage.resources.requiresGpu || stage.numWorkers() !== undefined) return "actors";
	const stateless = dataOf(stage).stateless ?? !hasCustomSetup(stage);
	return stateless ? "tasks" : "actors";
}

/** Groups stage indexes into operators: runs of fusable stateless stages. */
function fuse(stages: ProcessingStage[], kinds: OperatorKind[], config: DataConfig): number[][] {
	const groups: number[][] = [];
	for (const index of stages.keys()) {
		const group = groups.at(-1);
		const last = group?.at(-1);
		if (group !== undefined && last !== undefined && fusable(stages, kinds, last, index, config)) {
			group.push(index);
		} else {
			groups.push([index]);
		}
	}
	return groups;
}

function fusable(
	stages: ProcessingStage[],
	kinds: OperatorKind[],
	a: number,
	b: number,
	config: DataConfig,
): boolean {
	const [first, second] = [stages[a] as ProcessingStage, stages[b] as ProcessingStage];
	if ((config.fuseStages ?? dataDefaults.fuseStages) === false) return false;
	if (kinds[a] !== "tasks" || kinds[b] !== "tasks") return false;
	// A source usually fans out: kept apart, its output streams through a bounded queue.
	if (first.role === "source" || second.role === "source") return false;
	// A barrier must see every task of the run in one call, not one call's share of its group.
	if (isBarrier(second)) return false;
	if (dataOf(first).fuse === false || dataOf(second).fuse === false) return false;
	return samePolicy(policyOf(first, config), policyOf(second, config));
}

function planOperator(
	stages: ProcessingStage[],
	group: number[],
	kinds: OperatorKind[],
	pools: PoolPlan[],
	config: DataConfig,
	producer: number[] | undefined,
): OperatorPlan {
	const members = group.map((i) => stages[i] as ProcessingStage);
	const first = members[0] as ProcessingStage;
	const pool = pools.findIndex((p) => p.stageIndexes.includes(group[0] as number));
	const hosted = (pools[pool] as PoolPlan).stageIndexes;
	const policy = policyOf(first, config);
	let queue: OperatorPlan["queue"] = null;
	if (producer !== undefined) {
		const own = dataOf(first);
		const maxBatches =
			own.maxQueuedBatches ?? config.maxQueuedBatches ?? dataDefaults.maxQueuedBatches;
		const producerBatch = (stages[producer[0] as number] as ProcessingStage).batchSize;
		// A barrier (one call over the whole input) must hold everything anyway; bounding its
		// queue would only make the stages before it run one call at a time.
		const barrier = isBarrier(first);
		queue = {
			maxBatches,
			maxTasks: barrier
				? Number.POSITIVE_INFINITY
				: maxBatches * Math.max(first.batchSize, producerBatch),
			maxBytes: barrier
				? Number.POSITIVE_INFINITY
				: (own.maxQueuedBytes ?? config.maxQueuedBytes ?? dataDefaults.maxQueuedBytes),
		};
	}
	return {
		name: members.map((s) => s.name).join("+"),
		stages: members.map((s) => s.name),
		stageIndexes: group,
		kind: kinds[group[0] as number] as OperatorKind,
		pool,
		poolStages: group.map((i) => hosted.indexOf(i)),
		batchSize: first.batchSize,
		source: members.some((s) => s.role === "source"),
		queue,
		numRunAttempts: policy.numRunAttempts,
		ignoreFailures: policy.ignoreFailures,
		processTimeoutS: policy.processTimeoutS,
	};
}

function checkStage(stage: ProcessingStage, machine: MachineResources): void {
	// Runs check this in BaseExecutor.run already; `DataExecutor.plan()` reaches here without it.
	const problem = optionsProblem(dataStageSchema, dataOf(stage), "backend.data");
	if (problem !== undefined) {
		throw new CuratorError(ErrorCodes.invalidConfig, `data: stage "${stage.name}": ${problem}`);
	}
	assertFitsMachine(stage, machine, "data");
}
