import type { BatchCallStats, NodeInfo, WorkerMetadata } from "@curator/core";
import type { PortableBatch } from "./codec.ts";
import type { HostReply } from "./host-reply.ts";
import { isTaskColumns } from "./task-columns.ts";

/** Tasks on the wire: bytes (any transport) or a portable batch (Node transports clone it natively). */
export type BatchPayload = Uint8Array | PortableBatch;

/** Version of the worker-host protocol; a host rejects any other. */
export const PROTOCOL_VERSION = 1;

/** Default largest payload a host accepts (256 MiB; for `payloads`, each of them). */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/** What a worker host is asked to do. `key` names one stage hosted by the worker. */
export type HostRequest =
	| { v: 1; id: number; type: "init"; key: string; stage: Uint8Array; isSource: boolean }
	| { v: 1; id: number; type: "setupOnNode"; key: string; node: NodeInfo; worker: WorkerMetadata }
	| { v: 1; id: number; type: "setup"; key: string; worker: WorkerMetadata }
	| ProcessRequest
	| { v: 1; id: number; type: "teardown"; key: string }
	| { v: 1; id: number; type: "shutdown" };

/**
 * A `process` request: one batch (its reply maybe split per output task), or
 * several batches back to back (`batches`). The shapes differ by which
 * fields are present, not by a tag, so the wire stays as it is.
 */
export type ProcessRequest = ProcessFields & (OneBatch | ManyBatches);

interface ProcessFields {
	v: 1;
	id: number;
	type: "process";
	keys: string[];
	/**
	 * When true, every stage after the first receives the previous stage's
	 * outputs in batches of its own `batchSize` (one stats entry per batch);
	 * when absent, the whole output goes on as one batch.
	 */
	rebatch?: boolean;
	/**
	 * When true, the sender knows the batch's input task ids: the reply's
	 * stats leave out the ids the sender can derive (see `StageCallStats`).
	 */
	derivedIds?: boolean;
}

/** One batch, given as one payload or as encoded parts. */
type OneBatch = { batches?: undefined } & SplitReply & BatchInput;

/**
 * How a one-batch reply is shaped: one payload, or one encoded payload per
 * output task in `payloads` (always with `split`, only for large outputs with
 * `splitAbove`), maybe written to files in `spillDir`.
 */
type SplitReply =
	| {
			/**
			 * When true, the reply carries one encoded payload per output task in
			 * `payloads`, with their ids and item counts in `tasks`, so a caller
			 * that cannot decode tasks (another language) can still route them.
			 */
			split?: boolean;
			splitAbove?: undefined;
			spillDir?: undefined;
	  }
	| {
			split?: boolean;
			/**
			 * Like `split`, but only when the outputs are large: the reply is split
			 * when the first output task alone encodes to at least this many bytes,
			 * and is one payload otherwise.
			 */
			splitAbove: number;
			/** A folder where the host writes each large output to a file of its own, replying with the file's path in `payloads`. */
			spillDir?: string;
	  };

/** The batch of a one-batch request. */
type BatchInput =
	| { payload: BatchPayload }
	| {
			/**
			 * Encoded batches (e.g. one task each), processed as one batch, in
			 * order; a string is the path of a file holding one (see `spillDir`).
			 */
			payloads: (Uint8Array | string)[];
	  };

/**
 * Several batches back to back in `payload`, of these sizes. Each runs on
 * its own (its own stage calls, stats and error), and the reply carries
 * their outputs back to back, described by its `batches`. One message
 * instead of one per batch, for small batches; never split.
 */
interface ManyBatches {
	batches: number[];
	payload: BatchPayload;
	split?: false;
	splitAbove?: undefined;
	spillDir?: undefined;
}

/** A request before the transport adds `v` and `id`. */
export type HostCommand = HostRequest extends infer R
	? R extends HostRequest
		? Omit<R, "v" | "id">
		: never
	: never;

/**
 * What one stage did within a `process` call: core's `BatchCallStats`, which
 * a backend passes on as `batch:done`. Its ids are all there unless the
 * request asked for `derivedIds`; then `inputIds` is left out, `outputIds`
 * when each input not filtered gave one output `<input>_0`, and
 * `filteredIds` when empty (`withDerivedIds` puts them back).
 */
export type StageCallStats = Omit<BatchCallStats, CallIdField> &
	Partial<Pick<BatchCallStats, CallIdField>>;

type CallIdField = "inputIds" | "outputIds" | "filteredIds";

/** An error as it crosses the process boundary. */
export interface WireError {
	message: string;
	code?: string;
	stage?: string;
	taskIds?: string[];
	stack?: string;
	/**
	 * The stage calls of a `process` request that finished before its failure
	 * (the earlier stages of a fused chain), so their batch records are kept.
	 */
	stats?: StageCallStats[];
}

/** Id and item count of one output task of a `split` reply. */
export interface TaskRef {
	taskId: string;
	numItems: number;
	/** Its encoded size in bytes. */
	bytes?: number;
}

/**
 * What one batch of a multi-batch `process` request gave: its number of
 * outputs (next in the reply's payload) and its stage calls; or, when a stage
 * threw, no outputs, the calls that finished before, and the error.
 */
export type BatchReply =
	| { outputs: number; stats: StageCallStats[]; error?: undefined }
	| { outputs: 0; stats: StageCallStats[]; error: WireError };

/**
 * What a worker host sends back: replies to requests (`ok` with the shape the
 * request gets, see {@link HostReply}), and log records at any time.
 */
export type HostMessage =
	| ({ v: 1; id: number; type: "ok" } & HostReply)
	| { v: 1; id: number; type: "error"; error: WireError }
	| {
			v: 1;
			type: "log";
			level: "debug" | "info" | "warn" | "error";
			message: string;
			fields?: Record<string, unknown>;
	  };

const requestTypes = new Set(["init", "setupOnNode", "setup", "process", "teardown", "shutdown"]);

/**
 * Checks a received request; returns why it is rejected, or `undefined` when
 * it is well-formed. Unknown types, other versions and oversized payloads are
 * rejected, never executed.
 */
export function requestProblem(message: unknown, maxBytes: number): string | undefined {
	if (typeof message !== "object" || message === null) return "message is not an object";
	const m = message as Record<string, unknown>;
	if (m.v !== PROTOCOL_VERSION) return `unsupported protocol version ${String(m.v)}`;
	if (typeof m.id !== "number") return "message has no numeric id";
	if (typeof m.type !== "string" || !requestTypes.has(m.type)) {
		return `unknown message type ${JSON.stringify(m.type)}`;
	}
	if (m.type === "process") {
		const problem = payloadsProblem(m, maxBytes);
		if (problem !== undefined) return problem;
		const { splitAbove, spillDir } = m;
		if (splitAbove !== undefined && !(typeof splitAbove === "number" && splitAbove >= 0)) {
			return "splitAbove must be a number of bytes";
		}
		if (spillDir !== undefined && (typeof spillDir !== "string" || splitAbove === undefined)) {
			return "spillDir must be a folder path, given with splitAbove";
		}
	}
	for (const field of ["payload", "stage"] as const) {
		const bytes = m[field];
		if (bytes === undefined) continue;
		if (field === "payload" && isPortableBatch(bytes)) continue;
		if (!(bytes instanceof Uint8Array)) return `${field} must be bytes`;
		if (bytes.byteLength > maxBytes) {
			return `${field} of ${bytes.byteLength} bytes is over the limit of ${maxBytes}`;
		}
	}
	return undefined;
}

function payloadsProblem(m: Record<string, unknown>, maxBytes: number): string | undefined {
	const { payload, payloads, batches } = m;
	if (batches !== undefined) {
		if (!Array.isArray(batches) || !batches.every((n) => Number.isInteger(n) && n >= 0)) {
			return "batches must be a list of batch sizes";
		}
		if (payloads !== undefined || m.split === true) {
			return "batches combines with neither payloads nor split";
		}
	}
	if (payloads === undefined) return payload === undefined ? "process needs a payload" : undefined;
	if (payload !== undefined) return "process takes payload or payloads, not both";
	const parts = payloads as unknown[];
	if (
		!Array.isArray(parts) ||
		!parts.every((p) => p instanceof Uint8Array || typeof p === "string")
	) {
		return "payloads must be a list of bytes or file paths";
	}
	// Each part is bounded, not their sum: a barrier's input (every task of a run) may exceed any fixed bound.
	const largest = parts.reduce(
		(max: number, p) => Math.max(max, p instanceof Uint8Array ? p.byteLength : 0),
		0,
	);
	if (largest > maxBytes) return `a payload of ${largest} bytes is over the limit of ${maxBytes}`;
	return undefined;
}

function isPortableBatch(value: unknown): boolean {
	if (typeof value !== "object" || value === null) return false;
	const batch = value as Partial<PortableBatch>;
	return (
		Array.isArray(batch.modules) &&
		Array.isArray(batch.classes) &&
		Array.isArray(batch.tasks) &&
		(batch.columns === undefined || (batch.classes.length === 1 && isTaskColumns(batch.columns)))
	);
}

/**
 * What to transfer (not copy) with a message to or from a worker thread: a
 * byte payload's buffer when the payload spans all of it, else nothing.
 */
export function transferable(payload: unknown): ArrayBuffer[] {
	if (!(payload instanceof Uint8Array)) return [];
	const { buffer } = payload;
	const whole = payload.byteOffset === 0 && payload.byteLength === buffer.byteLength;
	return whole && buffer instanceof ArrayBuffer ? [buffer] : [];
}
