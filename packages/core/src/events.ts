import type { StagePerfStats } from "./perf.ts";

/** A task that did not make it through a stage, recorded instead of lost. */
export interface TaskFailure {
	stage: string;
	taskIds: string[];
	error: string;
	attempts: number;
	workerId?: string;
	exitCause?: string;
}

/**
 * What one stage call did: its counts, its perf record and its task ids (see
 * `BatchIds`). A `batch:done` event carries it; a worker sends it back per call.
 */
export interface BatchCallStats {
	stage: string;
	tasksIn: number;
	tasksOut: number;
	itemsIn: number;
	itemsOut: number;
	perf: StagePerfStats;
	/**
	 * Every input task id of the call once (see `BatchIds`). This and
	 * `outputIds` may be empty in a run that reads no ids (see
	 * `ExecutionContext.recordsBatches`); its records always have them.
	 */
	inputIds: string[];
	outputIds: string[];
	/** Input ids whose slot the stage filtered. */
	filteredIds: string[];
}

/** Everything an executor reports while it runs. Renderers and summaries read only these. */
export type RunEvent =
	| {
			type: "run:start";
			backend: string;
			stages: string[];
			/** How many tasks the run starts from (its initial tasks, or one `EmptyTask`). */
			tasks?: number;
	  }
	| { type: "stage:start"; stage: string; index: number; workers?: number }
	| { type: "worker:start"; stage: string; workerId: string; pid?: number; nodeId?: string }
	| ({ type: "batch:done"; workerId: string } & BatchCallStats)
	| {
			type: "worker:exit";
			stage: string;
			workerId: string;
			expected: boolean;
			code?: number | null;
			signal?: string | null;
	  }
	| { type: "retry"; stage: string; taskIds: string[]; attempt: number; reason: string }
	| { type: "task:failed"; failure: TaskFailure }
	| { type: "stage:end"; stage: string; index: number }
	| { type: "run:end"; ok: boolean; error?: string }
	| {
			type: "log";
			level: "debug" | "info" | "warn" | "error";
			message: string;
			stage?: string;
			workerId?: string;
			fields?: Record<string, unknown>;
	  };

/** Receives run events as they happen. */
export type RunEventListener = (event: RunEvent) => void;
