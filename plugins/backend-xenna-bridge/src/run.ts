import {
	AbortError,
	type ExecutionContext,
	type ProcessingStage,
	sortByTaskId,
	type Task,
} from "@curator/core";
import { decodeTasks, encodeTasks } from "@curator/runtime/codec";
import { Cancellation } from "./cancel.ts";
import { backendName, XennaDriverError } from "./errors.ts";
import { onMessage } from "./events.ts";
import { type XennaConfig, xennaDefaults } from "./options.ts";
import { keepIdleDriver, takeIdleDriver } from "./pool.ts";
import type { BridgePaths } from "./python.ts";
import { BridgeSession } from "./session.ts";
import { workerSpec } from "./ship/worker.ts";
import { pipelineWire, runWire } from "./spec.ts";
import type { WireMessage } from "./wire.ts";

/** What a run needs besides its stages. */
export interface RunSetup {
	config: XennaConfig;
	python: string;
	paths: BridgePaths;
	/** Absolute path of `@curator/runtime`'s worker host (the Node worker the actors start). */
	workerEntry: string;
	/** Keep workers off the Ray head node. */
	ignoreHeadNode: boolean;
	/** The packages of a run that ships itself to the cluster it joins. */
	ship?: { app: string; node: string; bridge: string };
	context: ExecutionContext;
}

interface TaskRef {
	id: string;
	numItems: number;
}

interface Input {
	ref: TaskRef;
	bytes: Uint8Array;
}

/**
 * One run through the bridge: get a driver (a kept-alive one or a new one),
 * submit, send inputs, turn events into run events and log records, collect
 * outputs. Cancellation (the run's signal, or SIGINT/SIGTERM of this
 * process) sends `cancel` and gives the driver `cancelGraceS` to reap before
 * its process group is killed; the run settles only once the driver is gone
 * (or back in the pool after a clean end).
 */
export async function runPipeline(
	stages: ProcessingStage[],
	initialTasks: Task[],
	setup: RunSetup,
): Promise<Task[]> {
	const { config, context } = setup;
	const wire = pipelineWire(stages, config);
	const inputs: Input[] = initialTasks.map((task) => ({
		ref: { id: task.taskId, numItems: task.numItems },
		bytes: encodeTasks([task]),
	}));
	const cancel = new Cancellation(context.signal);
	const graceMs = (config.cancelGraceS ?? xennaDefaults.cancelGraceS) * 1000;
	const maxMessageBytes = config.maxMessageBytes ?? xennaDefaults.maxMessageBytes;
	const keepAliveMs = (config.keepAliveS ?? xennaDefaults.keepAliveS) * 1000;
	const key = poolKey(setup);
	const state = { reusable: false };
	let session: BridgeSession | undefined;
	try {
		context.throwIfAborted();
		session = await acquire(setup, key, keepAliveMs, cancel.signal);
		const outputs = collect(session, context, cancel.signal, state, graceMs);
		const open = session;
		const submitted = (async () => {
			await open.send(
				"submit",
				{
					run: runWire(config, setup.ignoreHeadNode, setup.ship),
					worker: workerSpec(setup.workerEntry),
					stages: wire.stages,
				},
				wire.descriptors,
			);
			for (const group of chunk(inputs, maxMessageBytes)) {
				const refs = group.items.map((input) => input.ref);
				const parts = group.items.map((input) => input.bytes);
				await open.send("input", { tasks: refs, last: group.last }, parts);
			}
		})();
		// The run settles with its outcome even while an input is still being sent (a cancelled
		// driver stops reading, and a send to it would wait until the socket is closed below).
		const [, payloads] = await Promise.all([submitted, outputs]);
		const tasks = (await Promise.all(payloads.map((bytes) => decodeTasks(bytes)))).flat();
		return sortByTaskId(tasks);
	} finally {
		cancel.dispose();
		if (session !== undefined)
			await release(session, key, keepAliveMs, state.reusable, cancel, graceMs);
		cancel.reraise();
	}
}

/** A kept-alive driver with the same settings, or a new one after its handshake. */
async function acquire(
	setup: RunSetup,
	key: string,
	keepAliveMs: number,
	signal: AbortSignal,
): Promise<BridgeSession> {
	const { config, context } = setup;
	const onReject = (reason: string) =>
		context.emit({
			type: "log",
			level: "warn",
			message: `${backendName}: rejected a message: ${reason}`,
		});
	const pooled = keepAliveMs > 0 ? takeIdleDriver(key) : undefined;
	if (pooled !== undefined) {
		pooled.attach(context.logger, onReject);
		context.logger.debug(`${backendName}: reusing a kept-alive driver`);
		return pooled;
	}
	const { session, hello } = await BridgeSession.open({
		python: setup.python,
		paths: setup.paths,
		bindHost: config.bindHost ?? xennaDefaults.bindHost,
		maxMessageBytes: config.maxMessageBytes ?? xennaDefaults.maxMessageBytes,
		handshakeTimeoutMs: (config.handshakeTimeoutS ?? xennaDefaults.handshakeTimeoutS) * 1000,
		logger: context.logger,
		signal,
		onReject,
	});
	const { driver, ray, xenna } = hello;
	const facts = { driver, ray, xenna, encrypted: session.encrypted, endpoint: session.endpoint };
	context.logger.info(facts, `${backendName}: driver ready`);
	if (xenna !== xennaDefaults.xennaVersion) {
		context.logger.warn(
			`${backendName}: tested with cosmos-xenna ${xennaDefaults.xennaVersion}, the driver has ${String(xenna)}`,
		);
	}
	return session;
}

/** Back to the pool after a clean end when kept alive; otherwise reaped. */
async function release(
	session: BridgeSession,
	key: string,
	keepAliveMs: number,
	reusable: boolean,
	cancel: Cancellation,
	graceMs: number,
): Promise<void> {
	const alive = session.driver.exit === undefined;
	if (keepAliveMs > 0 && reusable && alive && !cancel.signal.aborted) {
		session.onMessage(() => {});
		keepIdleDriver(key, session, keepAliveMs);
		return;
	}
	if (alive && !cancel.signal.aborted) await session.send("close").catch(() => {});
	await session.close(cancel.signal.aborted ? graceMs : Math.max(graceMs, 60_000));
}

/** What makes two runs able to share a driver (exported for tests; not part of the package API). */
export function poolKey({ python, config, ship }: RunSetup): string {
	return JSON.stringify([
		python,
		// A driver's Ray connection carries the runtime_env of its first run.
		ship?.app ?? null,
		config.rayAddress ?? process.env.RAY_ADDRESS ?? "",
		config.bindHost ?? xennaDefaults.bindHost,
		config.maxMessageBytes ?? xennaDefaults.maxMessageBytes,
		config.localCpus ?? null,
		config.objectStoreMemoryMb ?? null,
	]);
}

/**
 * Resolves with the output payloads once the driver says `done`; rejects on
 * its `error`, on its death, or when `signal` aborts: then it sends `cancel`
 * and, when the driver has not exited within `graceMs`, kills its process
 * group, so a driver stuck in its own shutdown cannot hold the run forever.
 * `state.reusable` tells whether the driver can serve another run.
 */
function collect(
	session: BridgeSession,
	context: ExecutionContext,
	signal: AbortSignal,
	state: { reusable: boolean },
	graceMs: number,
): Promise<Uint8Array[]> {
	const logger = context.logger;
	return new Promise((resolve, reject) => {
		const payloads: Uint8Array[] = [];
		let settled = false;
		const settle = (error?: Error) => {
			if (settled) return;
			settled = true;
			signal.removeEventListener("abort", cancel);
			if (error === undefined) resolve(payloads);
			else reject(error);
		};
		const cancel = () => {
			logger.info(`${backendName}: cancelling the run`);
			void session.send("cancel", { reason: String(signal.reason ?? "aborted") }).catch(() => {});
			const deadline = setTimeout(() => {
				logger.warn(
					`${backendName}: the driver did not stop within ${graceMs / 1000} s; killing it`,
				);
				session.driver.killGroup();
			}, graceMs);
			void session.driver.exited.then(() => {
				clearTimeout(deadline);
				settle(new AbortError(signal.reason));
			});
		};
		if (signal.aborted) cancel();
		else signal.addEventListener("abort", cancel, { once: true });
		void session.driver.exited.then((exit) => {
			if (signal.aborted) return settle(new AbortError(signal.reason));
			const how = exit.signal ?? `exit code ${String(exit.code)}`;
			const last = session.driver.lastError;
			const words = last === undefined ? "" : `; its last words: ${last}`;
			settle(
				new XennaDriverError(
					`the Python driver exited unexpectedly (${how}) before the run finished${words}`,
				),
			);
		});
		session.onMessage((message: WireMessage) => {
			const outcome = onMessage(message, payloads, context, logger);
			if (outcome === undefined) return;
			state.reusable = outcome.reusable;
			if (signal.aborted && outcome.error !== undefined)
				return settle(new AbortError(signal.reason));
			settle(outcome.error);
		});
	});
}

function chunk(items: Input[], maxBytes: number): { items: Input[]; last: boolean }[] {
	const groups: Input[][] = [];
	let current: Input[] = [];
	let size = 0;
	for (const item of items) {
		if (current.length > 0 && (size + item.bytes.byteLength > maxBytes || current.length >= 4096)) {
			groups.push(current);
			current = [];
			size = 0;
		}
		current.push(item);
		size += item.bytes.byteLength;
	}
	groups.push(current);
	return groups.map((group, index) => ({ items: group, last: index === groups.length - 1 }));
}
