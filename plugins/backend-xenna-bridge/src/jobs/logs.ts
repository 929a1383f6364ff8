import { setTimeout as delay } from "node:timers/promises";
import { AbortError } from "@curator/core";
import WebSocket from "ws";
import { type RayJobInfo, rayTerminalStatuses } from "./types.ts";

/** What following a job's logs needs from the client. */
export interface LogSource {
	/** The `ws(s)://` URL of the dashboard's log tail of job `id`. */
	tailUrl(id: string): string;
	/** Headers of every request (the token). */
	headers: Record<string, string>;
	jobInfo(id: string): Promise<RayJobInfo>;
	/** The job's whole log so far. */
	jobLogs(id: string): Promise<string>;
	pollIntervalMs: number;
}

/** How much of the log has been handed on: a tail that starts over skips that much. */
interface Cursor {
	delivered: number;
}

/**
 * Hands the log of job `id` to `onText` as it grows, until the job has ended; resolves to the
 * job's final info.
 *
 * It listens on the dashboard's WebSocket tail (`/api/jobs/<id>/logs/tail`): Ray pushes new
 * lines about once a second and closes the socket once the job has ended and its log is read
 * to the end, so nothing is transferred twice. The socket is the `ws` package's, not Node's
 * built-in one: that one carries the token header, but always offers per-message compression,
 * which Ray 2.55's dashboard proxy mishandles (it forwards the offer to the job module and then
 * cannot read the compressed frames, so the tail closes at once, empty). A socket that closes
 * while the job still runs (a dropped connection) is opened again: the tail starts from the
 * beginning of the log, and the part already handed on is skipped. Where no WebSocket can be
 * opened (a proxy that refuses the upgrade) it polls `/api/jobs/<id>/logs` instead, which sends
 * the whole log each time.
 */
export async function followJobLogs(
	source: LogSource,
	id: string,
	onText: (text: string) => void,
	signal?: AbortSignal,
): Promise<RayJobInfo> {
	const cursor: Cursor = { delivered: 0 };
	for (;;) {
		throwIfAborted(signal, id);
		const tail = await tailOnce(source, id, onText, cursor, signal);
		// Ray answers a wrong token or an unknown job with an HTTP error that the WebSocket does
		// not show; this call throws it, with its reason.
		const info = await source.jobInfo(id);
		if (rayTerminalStatuses.has(info.status)) {
			// Only a tail that Ray closed itself is known to have reached the end of the log.
			if (tail !== "complete") deliver(await source.jobLogs(id), 0, cursor, onText);
			return info;
		}
		if (tail === "unopened") return pollLogs(source, id, onText, cursor, signal);
		await pause(source.pollIntervalMs, signal, id);
	}
}

/** How a WebSocket tail ended: closed by Ray, cut off, or never opened. */
type TailEnd = "complete" | "interrupted" | "unopened";

/** Listens on one WebSocket tail until it closes. */
function tailOnce(
	source: LogSource,
	id: string,
	onText: (text: string) => void,
	cursor: Cursor,
	signal: AbortSignal | undefined,
): Promise<TailEnd> {
	return new Promise((resolve, reject) => {
		// No compression offered: Ray's dashboard proxy passes the offer on to the module behind
		// it but does not decompress what comes back (see the README).
		const socket = new WebSocket(source.tailUrl(id), {
			headers: source.headers,
			perMessageDeflate: false,
		});
		let opened = false;
		let seen = 0;
		let failure: unknown;
		const onAbort = () => {
			failure = abortError(id);
			socket.terminate();
		};
		signal?.addEventListener("abort", onAbort, { once: true });
		socket.on("open", () => {
			opened = true;
		});
		// A refused handshake (an HTTP status) or a dropped connection: "close" follows.
		socket.on("error", () => undefined);
		socket.on("message", (data: Buffer, isBinary: boolean) => {
			if (failure !== undefined || isBinary) return;
			try {
				seen = deliver(data.toString("utf8"), seen, cursor, onText);
			} catch (error) {
				failure = error;
				socket.terminate();
			}
		});
		socket.on("close", (code: number) => {
			signal?.removeEventListener("abort", onAbort);
			if (failure !== undefined) reject(failure);
			else if (!opened) resolve("unopened");
			else resolve(code === 1000 ? "complete" : "interrupted");
		});
	});
}

/** Polls the whole log (the fallback): hands on what is new until the job has ended. */
async function pollLogs(
	source: LogSource,
	id: string,
	onText: (text: string) => void,
	cursor: Cursor,
	signal: AbortSignal | undefined,
): Promise<RayJobInfo> {
	for (;;) {
		throwIfAborted(signal, id);
		// Status first: once it says ended, the log read after it is complete.
		const info = await source.jobInfo(id);
		deliver(await source.jobLogs(id), 0, cursor, onText);
		if (rayTerminalStatuses.has(info.status)) return info;
		await pause(source.pollIntervalMs, signal, id);
	}
}

/**
 * Hands on the part of `text` (which starts `seen` characters into the log) that `cursor` has
 * not delivered yet; returns how far into the log `text` reaches.
 */
function deliver(text: string, seen: number, cursor: Cursor, onText: (text: string) => void) {
	const end = seen + text.length;
	if (end > cursor.delivered) {
		const fresh = text.slice(Math.max(0, cursor.delivered - seen));
		cursor.delivered = end;
		onText(fresh);
	}
	return end;
}

/** Waits `ms`, or rejects with `CURATOR_ABORTED` when `signal` aborts. */
export async function pause(ms: number, signal: AbortSignal | undefined, id: string) {
	try {
		await delay(ms, undefined, signal ? { signal } : {});
	} catch (error) {
		if (signal?.aborted) throw abortError(id);
		throw error;
	}
}

function throwIfAborted(signal: AbortSignal | undefined, id: string): void {
	if (signal?.aborted) throw abortError(id);
}

function abortError(id: string): AbortError {
	return new AbortError(`stopped waiting for Ray job ${id} (the job itself goes on)`);
}
