import {
	BaseStageAdapter,
	batchCallStats,
	CuratorError,
	createNamedAdapter,
	ErrorCodes,
	markAsWorker,
	type ProcessingStage,
	type Task,
} from "@curator/core";
import { withoutDerivableIds } from "./call-ids.ts";
import { decodeStage, encodeTasks, packTasks } from "./codec.ts";
import { collectGarbage } from "./collect-garbage.ts";
import { type DecodedInput, decodeInput } from "./host-input.ts";
import type { BatchesResult, HostReply, ProcessResult } from "./host-reply.ts";
import type { HostTransport } from "./host-transport.ts";
import {
	type BatchReply,
	DEFAULT_MAX_MESSAGE_BYTES,
	type HostMessage,
	type HostRequest,
	requestProblem,
	type StageCallStats,
	type TaskRef,
	type WireError,
} from "./protocol.ts";
import { type LogSink, sinkLogger } from "./sink-logger.ts";
import { writeParts } from "./spill/index.ts";
import { toWireError } from "./wire-error.ts";

interface Hosted {
	stage: ProcessingStage;
	adapter: BaseStageAdapter;
	isSource: boolean;
}

/**
 * Serves worker-host requests: rebuilds stages from descriptors, runs their
 * lifecycle through named adapters, and processes batches (through one or
 * several stages in a row) on encoded tasks. The adapter is always core's
 * `BaseStageAdapter`, whichever backend started the worker: backends do not
 * choose it.
 */
export class WorkerHost {
	readonly #transport: HostTransport;
	readonly #maxBytes: number;
	readonly #hosted = new Map<string, Hosted>();
	/** Batches run one at a time, so pipelined requests overlap transport with work only. */
	#queue: Promise<unknown> = Promise.resolve();
	/** Ids of the requests being served (not yet answered). */
	readonly #inFlight = new Set<number>();
	/** Why this worker serves nothing any more: code here tried to start a pipeline run. */
	#refused: WireError | undefined;

	readonly #collectWhenIdleMs: number | undefined;
	#idleCollect: NodeJS.Timeout | undefined;

	/**
	 * `collectWhenIdleMs`: once every hosted stage is torn down and no request
	 * came for this long, collect garbage (a worker kept for later stages; see
	 * `ServeOptions`).
	 */
	constructor(
		transport: HostTransport,
		maxBytes = DEFAULT_MAX_MESSAGE_BYTES,
		collectWhenIdleMs?: number,
	) {
		this.#transport = transport;
		this.#maxBytes = maxBytes;
		this.#collectWhenIdleMs = collectWhenIdleMs;
	}

	/**
	 * Starts serving, and marks this process or thread as a worker: a module
	 * imported here that starts a pipeline run (one that runs its pipeline at
	 * top level) is refused, and from then on every request fails with that
	 * error, those in flight at once.
	 */
	listen(): void {
		markAsWorker((error) => this.#refuse(error));
		this.#transport.onMessage((message) => {
			void this.#handle(message);
		});
	}

	async #handle(message: unknown): Promise<void> {
		clearTimeout(this.#idleCollect);
		const problem = requestProblem(message, this.#maxBytes);
		const id = (message as { id?: unknown } | null)?.id;
		if (problem !== undefined) {
			const replyId = typeof id === "number" ? id : -1;
			this.#send({
				v: 1,
				id: replyId,
				type: "error",
				error: { message: problem, code: ErrorCodes.protocol },
			});
			this.#log("warn", `rejected message: ${problem}`);
			return;
		}
		const request = message as HostRequest;
		if (this.#refused !== undefined && request.type !== "shutdown") {
			this.#send({ v: 1, id: request.id, type: "error", error: this.#refused });
			return;
		}
		this.#inFlight.add(request.id);
		try {
			const reply = await this.#serve(request);
			// Not in flight any more: it was answered with a refusal meanwhile.
			if (!this.#inFlight.delete(request.id)) return;
			this.#send({ v: 1, id: request.id, type: "ok", ...reply });
			if (request.type === "shutdown") this.#transport.close();
		} catch (error) {
			if (!this.#inFlight.delete(request.id)) return;
			const wire = toWireError(error);
			const finished = finishedCalls.get(error as object);
			if (finished !== undefined) wire.stats = finished;
			this.#send({ v: 1, id: request.id, type: "error", error: wire });
		}
	}

	/**
	 * A run was refused here. Its error answers every request in flight at
	 * once (the `init` whose module import started it, most likely), before
	 * the module's code can end the worker, and every request after.
	 */
	#refuse(error: Error): void {
		if (this.#refused !== undefined) return;
		this.#refused = toWireError(error);
		for (const id of this.#inFlight) {
			this.#send({ v: 1, id, type: "error", error: this.#refused });
		}
		this.#inFlight.clear();
	}

	async #serve(request: HostRequest): Promise<HostReply> {
		switch (request.type) {
			case "init": {
				const stage = await decodeStage(request.stage);
				const adapter = createNamedAdapter(stage, BaseStageAdapter);
				adapter.useLogger(sinkLogger(this.#forwardLog, { stage: stage.name }));
				this.#hosted.set(request.key, { stage, adapter, isSource: request.isSource });
				this.#transport.setTitle?.(`curator ${adapter.constructor.name}`);
				return {};
			}
			case "setupOnNode":
				await this.#get(request.key).adapter.setupOnNode(request.node, request.worker);
				return {};
			case "setup":
				await this.#get(request.key).adapter.setup(request.worker);
				return {};
			case "process": {
				const options = {
					rebatch: request.rebatch === true,
					derivedIds: request.derivedIds === true,
					split: request.split === true,
					splitAbove: request.splitAbove,
					spillDir: request.spillDir,
				};
				const sizes = request.batches;
				const run = this.#queue.then(async () => {
					const input = await decodeInput(
						"payloads" in request ? request.payloads : request.payload,
					);
					return sizes === undefined
						? this.#process(request.keys, input, options)
						: this.#processEach(request.keys, input, sizes, options);
				});
				// Not the reply itself: the queue would hold the last batch's payloads until the next.
				this.#queue = run.then(
					() => undefined,
					() => undefined,
				);
				return run;
			}
			case "teardown":
				await this.#get(request.key).adapter.teardown();
				this.#hosted.delete(request.key);
				if (this.#collectWhenIdleMs !== undefined && this.#hosted.size === 0) {
					// Not at once: a next pipeline that comes soon finds this worker ready.
					this.#idleCollect = setTimeout(collectGarbage, this.#collectWhenIdleMs).unref();
				}
				return {};
			case "shutdown":
				return {};
		}
	}

	/**
	 * Runs a batch through the stages `keys`; replies in the form the batch
	 * came in, or one encoded task per output with `split`.
	 */
	async #process(
		keys: string[],
		input: DecodedInput,
		options: ChainOptions & SplitOptions,
	): Promise<ProcessResult> {
		const { split, splitAbove, spillDir } = options;
		const stats: StageCallStats[] = [];
		let tasks: Task[];
		try {
			tasks = await this.#runChain(keys, input.tasks, input.byteLength, options, stats);
		} catch (error) {
			if (stats.length > 0 && typeof error === "object" && error !== null) {
				finishedCalls.set(error, stats);
			}
			throw error;
		}
		const first =
			splitAbove === undefined || tasks[0] === undefined ? undefined : encodeTasks([tasks[0]]);
		if (split || (first !== undefined && first.byteLength >= (splitAbove as number))) {
			const refs: TaskRef[] = [];
			const payloads = await writeParts(encodeEach(tasks, first, refs), spillDir);
			return { payloads, tasks: refs, stats };
		}
		return { payload: input.asBytes ? encodeTasks(tasks) : packTasks(tasks), stats };
	}

	/**
	 * Runs several batches, sent back to back in one payload, each on its own:
	 * a batch whose stage throws gets its error, and the others go on.
	 */
	async #processEach(
		keys: string[],
		input: DecodedInput,
		sizes: number[],
		options: ChainOptions,
	): Promise<BatchesResult> {
		const { tasks } = input;
		const total = sizes.reduce((sum, size) => sum + size, 0);
		if (total !== tasks.length) {
			throw new CuratorError(
				ErrorCodes.protocol,
				`batches of ${total} tasks in all, but the payload holds ${tasks.length}`,
			);
		}
		const bytesPerTask = tasks.length === 0 ? 0 : input.byteLength / tasks.length;
		const lists: Task[][] = [];
		const batches: BatchReply[] = [];
		let start = 0;
		for (const size of sizes) {
			const batch = tasks.slice(start, start + size);
			start += size;
			const stats: StageCallStats[] = [];
			try {
				const bytes = Math.round(bytesPerTask * size);
				const out = await this.#runChain(keys, batch, bytes, options, stats);
				lists.push(out);
				batches.push({ outputs: out.length, stats });
			} catch (error) {
				batches.push({ outputs: 0, stats, error: toWireError(error) });
			}
		}
		// One native concat instead of a push per output task; unlike flat(), it keeps the
		// array packed, the kind every other batch of tasks has in a worker.
		const outputs = ([] as Task[]).concat(...lists);
		const payload = input.asBytes ? encodeTasks(outputs) : packTasks(outputs);
		return { payload, batches };
	}

	/** One batch through the stages `keys`; appends one stats entry per stage call. */
	async #runChain(
		keys: string[],
		input: Task[],
		inputBytes: number,
		{ rebatch, derivedIds }: ChainOptions,
		stats: StageCallStats[],
	): Promise<Task[]> {
		let tasks = input;
		for (const [index, key] of keys.entries()) {
			const hosted = this.#get(key);
			const inputSizeBytes = index === 0 ? inputBytes : 0;
			if (!rebatch || index === 0) {
				tasks = await this.#call(hosted, tasks, inputSizeBytes, derivedIds, stats);
			} else {
				const outputs: Task[] = [];
				const size = hosted.stage.batchSize;
				for (let start = 0; start < tasks.length; start += size) {
					const batch = tasks.slice(start, start + size);
					for (const task of await this.#call(hosted, batch, 0, derivedIds, stats)) {
						outputs.push(task);
					}
				}
				tasks = outputs;
			}
			if (tasks.length === 0) break;
		}
		return tasks;
	}

	/** One adapter call; appends its stats. */
	async #call(
		hosted: Hosted,
		tasks: Task[],
		inputSizeBytes: number,
		derivedIds: boolean,
		stats: StageCallStats[],
	): Promise<Task[]> {
		const hints = { isSource: hosted.isSource, inputSizeBytes };
		const result = await hosted.adapter.processBatchWithStats(tasks, hints);
		const entry = batchCallStats(hosted.stage.name, tasks.length, result);
		stats.push(derivedIds ? withoutDerivableIds(entry) : entry);
		return result.tasks;
	}

	#get(key: string): Hosted {
		const hosted = this.#hosted.get(key);
		if (hosted === undefined) {
			throw new CuratorError(
				ErrorCodes.protocol,
				`no stage "${key}" was initialised in this worker`,
			);
		}
		return hosted;
	}

	#send(message: HostMessage): void {
		this.#transport.send(message);
	}

	/** Where a hosted stage's `logger` goes: to the parent, which logs it with the worker's id. */
	readonly #forwardLog: LogSink = (level, message, fields) => {
		try {
			this.#send({ v: 1, type: "log", level, message, fields });
		} catch {
			// Fields that cannot be cloned must not fail the stage that logged them.
			this.#send({ v: 1, type: "log", level, message });
		}
	};

	#log(level: "debug" | "info" | "warn" | "error", message: string): void {
		this.#send({ v: 1, type: "log", level, message });
	}
}

/** How a `process` reply is shaped: one payload, or one per output task (maybe in files). */
/** How a batch goes through a chain of stages (see `ProcessRequest`). */
interface ChainOptions {
	rebatch: boolean;
	derivedIds: boolean;
}

interface SplitOptions {
	split: boolean;
	splitAbove?: number | undefined;
	spillDir?: string | undefined;
}

/**
 * Each of `tasks` encoded alone (the first one is `first` when given), as
 * they are asked for, with its ref appended to `refs`.
 */
function* encodeEach(
	tasks: Task[],
	first: Uint8Array | undefined,
	refs: TaskRef[],
): Generator<Uint8Array> {
	for (const [i, task] of tasks.entries()) {
		const bytes = i === 0 && first !== undefined ? first : encodeTasks([task]);
		refs.push({ taskId: task.taskId, numItems: task.numItems, bytes: bytes.byteLength });
		yield bytes;
	}
}

/** The stage calls a failed `process` request finished before its error, sent with the error. */
const finishedCalls = new WeakMap<object, StageCallStats[]>();
