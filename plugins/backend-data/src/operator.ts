import type { PoolTask } from "@curator/runtime";
import { type Admission, admit } from "./backpressure.ts";
import { emptyOperatorMetrics, type OperatorMetrics } from "./metrics.ts";
import type { OperatorPlan } from "./plan.ts";
import { TaskQueue } from "./queue.ts";

/** Outputs of one call (decoded, or still in the bytes a worker sent), with their sizes. */
export interface Part {
	tasks: PoolTask[];
	sizes: number[];
}

/**
 * The running state of one operator: its bounded input queue, its calls in
 * flight, and the outputs of calls that finished early, held until every
 * earlier call has delivered (outputs leave in input order, so batches
 * downstream and the final outputs are those of backend-local).
 */
export class Operator {
	readonly plan: OperatorPlan;
	readonly queue = new TaskQueue();
	readonly metrics: OperatorMetrics;
	/** The next operator, or `undefined` for the last one. */
	next: Operator | undefined;
	/** No more input will come. */
	upstreamDone = false;
	finished = false;
	/** Held back by backpressure (for pause/resume events). */
	paused = false;
	inFlight = 0;
	/** Largest output of one call so far, in tasks and estimated bytes. */
	tasksPerCall: number;
	bytesPerCall = 0;
	heldTasks = 0;
	heldBytes = 0;
	#nextSeq = 0;
	#nextDelivery = 0;
	readonly #held = new Map<number, Part>();

	constructor(plan: OperatorPlan) {
		this.plan = plan;
		this.tasksPerCall = plan.batchSize;
		this.metrics = emptyOperatorMetrics(
			plan.name,
			plan.stages,
			plan.kind,
			plan.queue?.maxTasks ?? null,
		);
	}

	/** Whether a batch can be formed: a full one, or the rest once the input is complete. */
	hasBatch(): boolean {
		const waiting = this.queue.length;
		return waiting >= this.plan.batchSize || (this.upstreamDone && waiting > 0);
	}

	/** Batches it could dispatch now: formed from its queue and admitted by the next queue. */
	readyBatches(): number {
		if (this.finished || !this.hasBatch() || !this.admission().admit) return 0;
		const waiting = this.queue.length / this.plan.batchSize;
		return this.upstreamDone ? Math.ceil(waiting) : Math.floor(waiting);
	}

	/** Nothing queued, running or held. */
	get idle(): boolean {
		return this.queue.length === 0 && this.inFlight === 0 && this.#held.size === 0;
	}

	/** Whether the next operator's queue has room for one more call of this one. */
	admission(): Admission {
		const next = this.next;
		if (next === undefined || next.plan.queue === null) return { admit: true };
		const occupancy = {
			tasks: next.queue.length + this.heldTasks,
			bytes: next.queue.bytes + this.heldBytes,
			inFlight: this.inFlight,
			tasksPerCall: this.tasksPerCall,
			bytesPerCall: this.bytesPerCall,
			consumerHasBatch: next.hasBatch(),
			calibrated: this.metrics.batches > 0,
		};
		return admit(occupancy, next.plan.queue);
	}

	/** Takes the next batch and numbers the call. */
	take(): { seq: number; tasks: PoolTask[] } {
		const tasks = this.queue.take(this.plan.batchSize);
		this.inFlight += 1;
		this.metrics.tasksIn += tasks.length;
		return { seq: this.#nextSeq++, tasks };
	}

	/** Appends input tasks (from the previous operator or the run's initial tasks). */
	accept(part: Part): void {
		this.queue.push(part.tasks, part.sizes);
		this.metrics.queueHighWater = Math.max(this.metrics.queueHighWater, this.queue.length);
		this.metrics.queueBytesHighWater = Math.max(this.metrics.queueBytesHighWater, this.queue.bytes);
	}

	/** Records the outputs of call `seq`; returns what may leave now, in order. */
	settle(seq: number, part: Part): Part[] {
		this.inFlight -= 1;
		this.metrics.batches += 1;
		this.metrics.tasksOut += part.tasks.length;
		const bytes = part.sizes.reduce((sum, size) => sum + size, 0);
		this.tasksPerCall = Math.max(this.tasksPerCall, part.tasks.length);
		this.bytesPerCall = Math.max(this.bytesPerCall, bytes);
		this.#held.set(seq, part);
		this.heldTasks += part.tasks.length;
		this.heldBytes += bytes;
		const ready: Part[] = [];
		for (let next = this.#held.get(this.#nextDelivery); next !== undefined; ) {
			this.#held.delete(this.#nextDelivery);
			this.heldTasks -= next.tasks.length;
			this.heldBytes -= next.sizes.reduce((sum, size) => sum + size, 0);
			ready.push(next);
			this.#nextDelivery += 1;
			next = this.#held.get(this.#nextDelivery);
		}
		return ready;
	}

	/** Records how many produced tasks wait for the next operator. */
	noteBacklog(): void {
		const waiting = (this.next?.queue.length ?? 0) + this.heldTasks;
		this.metrics.backlogHighWater = Math.max(this.metrics.backlogHighWater, waiting);
	}
}
