import type { BatchPayload, BatchReply, HostCommand, StageCallStats, TaskRef } from "./protocol.ts";

/*
 * A successful reply's shape is not tagged on the wire: it shows in which
 * fields are present (see `wire/worker-host.md`). The guards below are the
 * one place that reads it, so every other module narrows a typed union.
 */

/** Fields a reply shape never has (typed, so a union of shapes narrows on them). */
type Absent<K extends string> = { [P in K]?: undefined };

/** The reply to a request that gives nothing back: `init`, `setupOnNode`, `setup`, `teardown`, `shutdown`. */
export interface DoneReply extends Absent<"payload" | "payloads" | "tasks" | "stats" | "batches"> {}

/** One batch's outputs as one payload, in the form the batch came in, with its stage calls. */
export interface BatchResult extends Absent<"payloads" | "tasks" | "batches"> {
	payload: BatchPayload;
	stats: StageCallStats[];
}

/**
 * One batch's outputs split per task (asked with `split`, or large with
 * `splitAbove`): one encoded task per entry of `payloads`, or the path of
 * the spilled file holding it, described by the entry of `tasks` at the
 * same index.
 */
export interface SplitResult extends Absent<"payload" | "batches"> {
	payloads: (Uint8Array | string)[];
	tasks: TaskRef[];
	stats: StageCallStats[];
}

/** What a one-batch `process` request gets. */
export type ProcessResult = BatchResult | SplitResult;

/** What a multi-batch `process` request gets: every batch's outputs back to back, and one entry per batch. */
export interface BatchesResult extends Absent<"payloads" | "tasks" | "stats"> {
	payload: BatchPayload;
	batches: BatchReply[];
}

/** What a worker host replies to a request that succeeded (besides `v`, `id` and `type: "ok"`). */
export type HostReply = DoneReply | ProcessResult | BatchesResult;

/**
 * What a reply must look like, kept while its request is pending (rather
 * than the request, whose payload may be large).
 */
export type ExpectedReply =
	| { kind: "done" }
	| { kind: "process" }
	| { kind: "batches"; count: number };

/** The reply `command` gets when it succeeds. */
export function expectedReply(command: HostCommand): ExpectedReply {
	if (command.type !== "process") return { kind: "done" };
	return command.batches === undefined
		? { kind: "process" }
		: { kind: "batches", count: command.batches.length };
}

/** Whether a one-batch reply was split per output task. */
export function isSplit(reply: ProcessResult): reply is SplitResult {
	return reply.payloads !== undefined;
}

/**
 * Whether `reply` (an `ok` message without `v`, `id` and `type`) has the
 * shape `expected` says; a split reply must describe each of its tasks, a
 * multi-batch reply each of its batches.
 */
export function isExpectedReply(reply: object, expected: ExpectedReply): reply is HostReply {
	const r = reply as Record<string, unknown>;
	switch (expected.kind) {
		case "done":
			return r.payload === undefined && r.payloads === undefined && r.batches === undefined;
		case "process":
			return r.batches === undefined && Array.isArray(r.stats) && (isSplitShape(r) || isWhole(r));
		case "batches":
			return (
				r.payload !== undefined &&
				r.payloads === undefined &&
				Array.isArray(r.batches) &&
				r.batches.length === expected.count
			);
	}
}

function isSplitShape(r: Record<string, unknown>): boolean {
	const { payload, payloads, tasks } = r;
	return (
		payload === undefined &&
		Array.isArray(payloads) &&
		Array.isArray(tasks) &&
		tasks.length === payloads.length
	);
}

function isWhole(r: Record<string, unknown>): boolean {
	return r.payload !== undefined && r.payloads === undefined && r.tasks === undefined;
}

/** Describes what `expected` is, for the error when a reply is not that. */
export function describeExpected(expected: ExpectedReply): string {
	switch (expected.kind) {
		case "done":
			return "a reply without outputs";
		case "process":
			return "one payload with stats, or payloads with one task each and stats";
		case "batches":
			return `one payload and ${expected.count} batch replies`;
	}
}
