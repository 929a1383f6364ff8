import { type ChildProcess, fork } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { CuratorError, ErrorCodes, type Logger, silentLogger } from "@curator/core";
import {
	describeExpected,
	type ExpectedReply,
	expectedReply,
	type HostReply,
	isExpectedReply,
} from "./host-reply.ts";
import { type HostCommand, type HostMessage, transferable, type WireError } from "./protocol.ts";
import { typeStrippingFlags } from "./type-stripping.ts";

/** Where workers run: child processes (crash isolation) or worker threads. */
export type Isolation = "process" | "thread";

/** How a worker ended. */
export interface WorkerExit {
	code: number | null;
	signal: string | null;
	/** Readable cause, e.g. `signal SIGKILL` or `exit code 3`. */
	cause: string;
	/** Whether the exit followed a requested shutdown. */
	expected: boolean;
}

/** Options of {@link WorkerHandle.spawn}. */
export interface SpawnOptions {
	workerId: string;
	isolation: Isolation;
	/** Thread name (threads); processes set their title from the stage class name. */
	name?: string;
	/** Extra environment variables (e.g. `CUDA_VISIBLE_DEVICES`). */
	env?: Record<string, string>;
	logger?: Logger;
	maxMessageBytes?: number;
	/** Node flags of the worker (e.g. `--max-old-space-size=512`). */
	execArgv?: string[];
}

/** A request that failed inside the worker (the worker is still alive). */
export class WorkerRequestError extends CuratorError {
	readonly wire: WireError;
	constructor(wire: WireError) {
		super(ErrorCodes.stageFailed, wire.message);
		this.wire = wire;
	}
}

/** The worker died (or was killed) while requests were pending. */
export class WorkerCrashError extends CuratorError {
	readonly workerId: string;
	readonly exit: WorkerExit;
	/** Whether this request was the one being served (the oldest pending) when the worker died. */
	readonly culprit: boolean;
	constructor(workerId: string, exit: WorkerExit, culprit = true) {
		super(ErrorCodes.workerFailed, `worker ${workerId} exited (${exit.cause})`);
		this.workerId = workerId;
		this.exit = exit;
		this.culprit = culprit;
	}
}

/**
 * The shape of reply the request `C` gets: one batch's result (whole or
 * split), every batch's of a multi-batch request, or nothing. Picked out of
 * {@link HostReply} by the fields each shape always or never has, so that
 * the package's types name only its public ones.
 */
type ReplyTo<C extends HostCommand> = C extends { type: "process" }
	? C extends { batches: number[] }
		? Extract<HostReply, { batches: unknown[] }>
		: Extract<HostReply, { stats: unknown[] }>
	: Extract<HostReply, { stats?: undefined; batches?: undefined }>;

interface Pending {
	resolve(reply: HostReply): void;
	reject(error: Error): void;
	expected: ExpectedReply;
}

const hostEntry = fileURLToPath(
	new URL(
		import.meta.url.endsWith(".ts") ? "./worker-host.ts" : "./worker-host.js",
		import.meta.url,
	),
);

/**
 * The parent's handle on one worker host: sends requests, matches replies,
 * forwards log records, and turns an unexpected exit into a
 * {@link WorkerCrashError} for every pending request.
 */
export class WorkerHandle {
	#workerId: string;
	readonly isolation: Isolation;
	/** Resolves when the worker has exited, however it ended. */
	readonly exited: Promise<WorkerExit>;
	#nextId = 1;
	#pending = new Map<number, Pending>();
	#exit: WorkerExit | undefined;
	#stopping = false;
	#child: ChildProcess | undefined;
	#thread: Worker | undefined;
	#logger: Logger;
	#baseLogger: Logger;

	private constructor(options: SpawnOptions) {
		this.#workerId = options.workerId;
		this.isolation = options.isolation;
		this.#baseLogger = options.logger ?? silentLogger;
		this.#logger = this.#baseLogger.child({ workerId: options.workerId });
		const env: Record<string, string> = { ...compileCacheEnv(), ...(options.env ?? {}) };
		if (options.maxMessageBytes !== undefined) {
			env.CURATOR_MAX_MESSAGE_BYTES = String(options.maxMessageBytes);
		}
		let onExit: (exit: WorkerExit) => void = () => {};
		this.exited = new Promise((resolve) => {
			onExit = resolve;
		});
		const finish = (code: number | null, signal: string | null, detail?: string) => {
			if (this.#exit !== undefined) return;
			const cause = detail ?? (signal !== null ? `signal ${signal}` : `exit code ${code}`);
			this.#exit = { code, signal, cause, expected: this.#stopping };
			let oldest = true;
			for (const pending of this.#pending.values()) {
				pending.reject(new WorkerCrashError(this.workerId, this.#exit, oldest));
				oldest = false;
			}
			this.#pending.clear();
			onExit(this.#exit);
		};
		if (options.isolation === "process") {
			const child = fork(hostEntry, [], {
				serialization: "advanced",
				env: { ...process.env, ...env },
				execArgv: [...typeStrippingFlags(), ...(options.execArgv ?? [])],
				stdio: ["ignore", "inherit", "inherit", "ipc"],
			});
			child.on("message", (message) => this.#receive(message as HostMessage));
			child.on("exit", (code, signal) => finish(code, signal));
			child.on("error", (error) => this.#logger.warn({ err: error.message }, "worker error"));
			this.#child = child;
		} else {
			const thread = new Worker(hostEntry, {
				name: options.name ?? options.workerId,
				env: { ...process.env, ...env },
				execArgv: [...typeStrippingFlags(), ...(options.execArgv ?? [])],
			});
			let crash: string | undefined;
			thread.on("message", (message) => this.#receive(message as HostMessage));
			thread.on("error", (error) => {
				crash = `uncaught ${error.name}: ${error.message}`;
			});
			thread.on("exit", (code) => finish(code, null, crash));
			this.#thread = thread;
		}
	}

	/** The worker's id in logs, events and errors. */
	get workerId(): string {
		return this.#workerId;
	}

	/** Gives a reused worker the id of its new role (its process keeps running). */
	rename(workerId: string): void {
		this.#workerId = workerId;
		this.#logger = this.#baseLogger.child({ workerId });
	}

	/** Starts a worker host. */
	static spawn(options: SpawnOptions): WorkerHandle {
		return new WorkerHandle(options);
	}

	/** OS process id (threads share the parent's). */
	get pid(): number | undefined {
		return this.#child?.pid ?? (this.#thread === undefined ? undefined : process.pid);
	}

	/** How the worker ended, once it has. */
	get exit(): WorkerExit | undefined {
		return this.#exit;
	}

	/**
	 * Sends a request and resolves with its reply, of the shape that request
	 * gets (checked on receipt: a reply of another shape rejects with
	 * `CURATOR_PROTOCOL`).
	 */
	request<C extends HostCommand>(command: C): Promise<ReplyTo<C>> {
		if (this.#exit !== undefined) {
			return Promise.reject(new WorkerCrashError(this.workerId, this.#exit));
		}
		const sent: HostCommand = command;
		const id = this.#nextId++;
		const message = { ...sent, v: 1, id };
		const expected = expectedReply(sent);
		const reply = new Promise<HostReply>((resolve, reject) => {
			this.#pending.set(id, { resolve, reject, expected });
			if (this.#child !== undefined) {
				this.#child.send(message);
			} else {
				const payload = "payload" in sent ? sent.payload : undefined;
				this.#thread?.postMessage(message, transferable(payload));
			}
		});
		// The reply's shape was checked against `expected`, which `ReplyTo<C>` describes.
		return reply as Promise<ReplyTo<C>>;
	}

	/** Asks the worker to exit, and kills it if it does not within `graceMs`. */
	async stop(graceMs = 5000): Promise<WorkerExit> {
		if (this.#exit !== undefined) return this.#exit;
		this.#stopping = true;
		const timer = setTimeout(() => this.kill(), graceMs);
		timer.unref();
		this.request({ type: "shutdown" }).catch(() => {});
		const exit = await this.exited;
		clearTimeout(timer);
		return exit;
	}

	/** Kills the worker at once (SIGKILL for a process). */
	kill(): void {
		if (this.#exit !== undefined) return;
		this.#stopping = true;
		if (this.#child !== undefined) this.#child.kill("SIGKILL");
		else void this.#thread?.terminate();
	}

	#receive(message: HostMessage): void {
		if (message.type === "log") {
			this.#logger[message.level](message.fields ?? {}, message.message);
			return;
		}
		const pending = this.#pending.get(message.id);
		if (pending === undefined) {
			this.#logger.warn({ id: message.id }, "reply to an unknown request");
			return;
		}
		this.#pending.delete(message.id);
		if (message.type === "error") {
			pending.reject(new WorkerRequestError(message.error));
			return;
		}
		const { v: _v, id: _id, type: _type, ...reply } = message;
		if (isExpectedReply(reply, pending.expected)) {
			pending.resolve(reply);
		} else {
			const problem = `worker ${this.workerId} replied with fields ${Object.keys(reply).join(", ") || "none"}, not ${describeExpected(pending.expected)}`;
			pending.reject(new CuratorError(ErrorCodes.protocol, problem));
		}
	}
}

/**
 * Lets workers reuse V8's compiled code (and stripped TypeScript) across
 * starts: a worker loading the framework and a user's `.ts` stage module
 * starts in about half the time once the cache is warm. Node's own default
 * folder is used; setting `NODE_COMPILE_CACHE` or `NODE_DISABLE_COMPILE_CACHE`
 * overrides this.
 */
export function compileCacheEnv(): Record<string, string> {
	if (process.env.NODE_COMPILE_CACHE !== undefined) return {};
	if (process.env.NODE_DISABLE_COMPILE_CACHE !== undefined) return {};
	return { NODE_COMPILE_CACHE: join(tmpdir(), "node-compile-cache") };
}
