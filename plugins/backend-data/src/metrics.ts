import type { Operator } from "./operator.ts";
import type { OperatorKind } from "./plan.ts";

/** What one operator did, as counts and high-water marks. */
export interface OperatorMetrics {
	operator: string;
	stages: string[];
	kind: OperatorKind;
	/** Calls completed. */
	batches: number;
	tasksIn: number;
	tasksOut: number;
	/** Bound of its input queue in tasks (`null` for the first operator). */
	queueBound: number | null;
	/** Most tasks ever waiting in its input queue. */
	queueHighWater: number;
	/** Most estimated bytes ever waiting in its input queue. */
	queueBytesHighWater: number;
	/** Most tasks it had produced that the next operator had not taken yet. */
	backlogHighWater: number;
	/** Times it held a batch back because the next operator's queue was full. */
	pauses: number;
}

/** Metrics of one run, readable while it runs and after (`executor.metrics`). */
export interface DataRunMetrics {
	operators: OperatorMetrics[];
	/** The operator holding the source stage. */
	source: {
		operator: string;
		/** Tasks the source operator has produced. */
		produced: number;
		/** Most tasks it had produced that the next operator had not taken yet. */
		backlogHighWater: number;
		/** The bound that backlog is held to (the next operator's queue bound; 0 without one). */
		backlogBound: number;
	};
	/** Most workers alive at once. */
	peakWorkers: number;
	/** The plan's bound on live workers. */
	maxWorkers: number;
}

/** Zeroed metrics of an operator. */
export function emptyOperatorMetrics(
	operator: string,
	stages: string[],
	kind: OperatorKind,
	queueBound: number | null,
): OperatorMetrics {
	return {
		operator,
		stages,
		kind,
		batches: 0,
		tasksIn: 0,
		tasksOut: 0,
		queueBound,
		queueHighWater: 0,
		queueBytesHighWater: 0,
		backlogHighWater: 0,
		pauses: 0,
	};
}

/** A copy of the metrics of a run's operators. */
export function snapshotMetrics(
	operators: readonly Operator[],
	peakWorkers: number,
	maxWorkers: number,
): DataRunMetrics {
	const source = operators.find((op) => op.plan.source) ?? (operators[0] as Operator);
	return {
		operators: operators.map((op) => ({ ...op.metrics })),
		source: {
			operator: source.plan.name,
			produced: source.metrics.tasksOut,
			backlogHighWater: source.metrics.backlogHighWater,
			backlogBound: source.next?.plan.queue?.maxTasks ?? 0,
		},
		peakWorkers,
		maxWorkers,
	};
}
