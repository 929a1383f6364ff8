import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { AbortError, type Logger } from "@curator/core";
import { curveKeyPair, Router } from "zeromq";
import { DriverProcess } from "./driver.ts";
import { backendName, XennaDriverError, XennaEnvironmentError } from "./errors.ts";
import type { BridgePaths } from "./python.ts";
import {
	decodeMessage,
	driverMessageTypes,
	encodeMessage,
	WIRE_VERSION,
	type WireMessage,
	WireRejection,
	type WireType,
} from "./wire.ts";

/** What the driver says about itself in `hello`. */
export interface DriverHello {
	versions: number[];
	driver: { name: string; version: string };
	python: string;
	ray: string | null;
	xenna: string | null;
	capabilities: Record<string, unknown>;
	pid: number;
}

/** What {@link BridgeSession.open} needs. */
export interface SessionOptions {
	python: string;
	paths: BridgePaths;
	bindHost: string;
	maxMessageBytes: number;
	handshakeTimeoutMs: number;
	logger: Logger;
	/** Aborting it stops the handshake and kills the driver. */
	signal?: AbortSignal;
	/** Called for every rejected message (also logged here). */
	onReject?: (reason: string) => void;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
	if (host === "localhost") return true;
	if (isIP(host) === 4) return host.startsWith("127.");
	return host === "::1";
}

/**
 * Checks a driver's `hello`; returns why the executor cannot work with it,
 * or `undefined`. Missing `ray` or `cosmos-xenna` is an environment problem.
 */
export function helloProblem(hello: Partial<DriverHello>): Error | undefined {
	if (!Array.isArray(hello.versions) || !hello.versions.includes(WIRE_VERSION)) {
		return new XennaDriverError(
			`the driver speaks protocol versions ${JSON.stringify(hello.versions)}, this executor speaks ${WIRE_VERSION}`,
		);
	}
	const missing = [hello.ray ? undefined : "ray", hello.xenna ? undefined : "cosmos-xenna"].filter(
		(name) => name !== undefined,
	);
	if (missing.length > 0) {
		return new XennaEnvironmentError(
			`the Python driver (python ${hello.python ?? "?"}) has no ${missing.join(" and ")} installed`,
		);
	}
	return undefined;
}

/**
 * One run's link to its driver: a ROUTER bound on `bindHost` (CURVE when it
 * is not a loopback address), the driver process, and the handshake. Only
 * the peer that greeted with the run's session key is talked to; anything
 * else is rejected and logged, never executed.
 */
export class BridgeSession {
	readonly key = randomBytes(32).toString("hex");
	readonly driver: DriverProcess;
	readonly endpoint: string;
	readonly encrypted: boolean;
	#router: Router;
	#options: SessionOptions;
	#peer: Buffer | undefined;
	#nextId = 0;
	#sending: Promise<unknown> = Promise.resolve();
	#handler: ((message: WireMessage) => void) | undefined;
	#hello: ((hello: DriverHello) => void) | undefined;

	private constructor(
		router: Router,
		endpoint: string,
		encrypted: boolean,
		options: SessionOptions,
		env: Record<string, string>,
	) {
		this.#router = router;
		this.#options = options;
		this.endpoint = endpoint;
		this.encrypted = encrypted;
		this.driver = DriverProcess.start({
			python: options.python,
			endpoint,
			pythonSource: options.paths.pythonSource,
			env: { ...env, CURATOR_BRIDGE_SESSION: this.key },
			logger: options.logger,
		});
		void this.#receive();
	}

	/** Binds, starts the driver and waits for its `hello`; answers `welcome`. */
	static async open(
		options: SessionOptions,
	): Promise<{ session: BridgeSession; hello: DriverHello }> {
		const encrypted = !isLoopback(options.bindHost);
		const router = new Router({
			linger: 0,
			mandatory: true,
			maxMessageSize: options.maxMessageBytes + 8 * 1024 * 1024,
		});
		const env: Record<string, string> = {
			CURATOR_BRIDGE_MAX_MESSAGE_BYTES: String(options.maxMessageBytes),
		};
		if (encrypted) {
			const server = curveKeyPair();
			const client = curveKeyPair();
			router.curveServer = true;
			router.curveSecretKey = server.secretKey;
			env.CURATOR_BRIDGE_SERVER_KEY = server.publicKey;
			env.CURATOR_BRIDGE_PUBLIC_KEY = client.publicKey;
			env.CURATOR_BRIDGE_SECRET_KEY = client.secretKey;
		}
		const host = options.bindHost.includes(":") ? `[${options.bindHost}]` : options.bindHost;
		await router.bind(`tcp://${host}:*`);
		const port = new URL((router.lastEndpoint ?? "").replace(/^tcp:/, "http:")).port;
		const connectHost = ["0.0.0.0", "::", "*"].includes(options.bindHost) ? "127.0.0.1" : host;
		const session = new BridgeSession(
			router,
			`tcp://${connectHost}:${port}`,
			encrypted,
			options,
			env,
		);
		try {
			const hello = await session.#waitForHello();
			const problem = helloProblem(hello);
			if (problem !== undefined) throw problem;
			await session.send("welcome", { version: WIRE_VERSION });
			return { session, hello };
		} catch (error) {
			await session.close(0);
			throw error;
		}
	}

	/** Handles every message after the handshake (one run's handler at a time). */
	onMessage(handler: (message: WireMessage) => void): void {
		this.#handler = handler;
	}

	/** Routes driver output and rejection reports to the current run. */
	attach(logger: Logger, onReject?: (reason: string) => void): void {
		this.driver.logger = logger;
		this.#options = { ...this.#options, logger, onReject };
	}

	/** Sends one message to the driver (in order; one send at a time). */
	send(
		type: WireType,
		fields: Record<string, unknown> = {},
		parts: Uint8Array[] = [],
	): Promise<void> {
		const peer = this.#peer;
		if (peer === undefined) return Promise.reject(new XennaDriverError("no driver to send to"));
		this.#nextId += 1;
		const frames = encodeMessage(this.key, type, this.#nextId, fields, parts);
		const sent = this.#sending.then(() => this.#router.send([peer, ...frames]));
		this.#sending = sent.catch(() => {});
		return sent;
	}

	/** Waits up to `graceMs` for the driver to exit, kills its process group, closes the socket. */
	async close(graceMs: number): Promise<void> {
		await this.driver.reap(graceMs);
		this.#router.close();
	}

	#waitForHello(): Promise<DriverHello> {
		const { handshakeTimeoutMs } = this.#options;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				reject(
					new XennaDriverError(
						`the Python driver did not greet within ${handshakeTimeoutMs / 1000} s`,
					),
				);
			}, handshakeTimeoutMs);
			this.#hello = (hello) => {
				clearTimeout(timer);
				resolve(hello);
			};
			void this.driver.exited.then((exit) => {
				clearTimeout(timer);
				reject(this.#startFailure(exit));
			});
			const { signal } = this.#options;
			const abort = () => {
				clearTimeout(timer);
				reject(new AbortError(signal?.reason));
			};
			if (signal?.aborted) abort();
			else signal?.addEventListener("abort", abort, { once: true });
		});
	}

	#startFailure(exit: Awaited<DriverProcess["exited"]>): Error {
		const { python } = this.#options;
		if (exit.spawnError !== undefined) {
			const code = (exit.spawnError as NodeJS.ErrnoException).code ?? exit.spawnError.message;
			return new XennaEnvironmentError(`cannot start the Python driver with ${python} (${code})`);
		}
		const last = this.driver.lastError ?? "";
		const missing = /ModuleNotFoundError: No module named '([^']+)'/.exec(
			this.driver.tail.join("\n"),
		);
		if (missing !== null || /No module named/.test(last)) {
			return new XennaEnvironmentError(
				`the Python driver (${python}) cannot import ${missing?.[1] ?? "its dependencies"}: ${last}`,
			);
		}
		const how = exit.signal ?? `exit code ${String(exit.code)}`;
		return new XennaDriverError(`the Python driver exited (${how}) before the handshake: ${last}`);
	}

	async #receive(): Promise<void> {
		const { maxMessageBytes } = this.#options;
		try {
			for await (const [peer, ...frames] of this.#router) {
				if (peer === undefined) continue;
				const known = this.#peer !== undefined;
				const fromDriver = known && peer.equals(this.#peer as Buffer);
				let message: WireMessage;
				try {
					message = decodeMessage(frames, this.key, driverMessageTypes, maxMessageBytes);
				} catch (error) {
					if (!(error instanceof WireRejection)) throw error;
					this.#reject(fromDriver || !known ? error.message : `${error.message} (unknown peer)`);
					if (fromDriver) await this.#replyRejection(error);
					continue;
				}
				if (known && !fromDriver) {
					this.#reject("a message from an unknown peer");
					continue;
				}
				if (!known) {
					if (message.type !== "hello") {
						this.#reject(`a ${message.type} message before hello`);
						continue;
					}
					this.#peer = peer;
					this.#hello?.(message.fields as unknown as DriverHello);
					continue;
				}
				this.#handler?.(message);
			}
		} catch (error) {
			if (!this.#router.closed)
				this.#options.logger.warn({ err: error }, `${backendName}: receive loop failed`);
		}
	}

	#reject(reason: string): void {
		// A run's onReject reports it as a log event, which its logger records too.
		if (this.#options.onReject !== undefined) this.#options.onReject(reason);
		else this.#options.logger.warn({ reason }, `${backendName}: rejected a message: ${reason}`);
	}

	async #replyRejection(error: WireRejection): Promise<void> {
		await this.send("error", {
			error: { code: "CURATOR_PROTOCOL", message: `rejected: ${error.message}` },
			...(error.messageId === undefined ? {} : { replyTo: error.messageId }),
		}).catch(() => {});
	}
}
