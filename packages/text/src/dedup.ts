import { hash } from "node:crypto";
import {
	CuratorError,
	compareTaskIds,
	ErrorCodes,
	ProcessingStage,
	registerModule,
	type StageIO,
	type StageOutput,
	type StageSettings,
} from "@curator/core";
import type { DocumentBatch } from "./document-batch.ts";

/** Where duplicates are looked for: across the whole run, or within each task. */
export type DedupScope = "run" | "task";

/** Options of {@link ExactDuplicateFilter}. */
export interface ExactDuplicateFilterOptions extends StageSettings {
	/** Column holding the text. Default `"text"`. */
	textField?: string;
	/** `"run"` (default): one copy per run. `"task"`: one copy per task (no shared state). */
	scope?: DedupScope;
	/**
	 * Column holding hashes already computed by a {@link NormalizedTextHasher}
	 * upstream (which runs on every worker, unlike this stage); the column is
	 * consumed: it is not in the output. Default: the stage hashes the text itself.
	 */
	hashField?: string;
}

/** Options of {@link NormalizedTextHasher}. */
export interface NormalizedTextHasherOptions extends StageSettings {
	/** Column holding the text. Default `"text"`. */
	textField?: string;
	/** Column the hashes are written to. Default {@link DEFAULT_HASH_FIELD}. */
	hashField?: string;
}

/** The column {@link NormalizedTextHasher} writes by default. */
export const DEFAULT_HASH_FIELD = "_normalized_hash";

/** Batch size meaning "every task of the run in one call": a barrier (see core's `isBarrier`). */
export const ALL_TASKS = Number.MAX_SAFE_INTEGER;

const seenByStage = new WeakMap<ExactDuplicateFilter, Set<string>>();

/**
 * Exact duplicate removal: documents whose normalized text (lower case,
 * runs of whitespace collapsed, trimmed) has the same hash are duplicates,
 * and only the first is kept.
 *
 * Why the result is the same on every backend: with `scope: "run"` the stage
 * asks for one worker (`numWorkers() = 1`) and, by default, one call with
 * every task of the run (`batchSize = ALL_TASKS`, a barrier), which every
 * backend delivers in task-id order; ids are deterministic, so the surviving
 * copy is the same whatever backend, worker count or scheduling produced the
 * tasks. With a smaller `batchSize` the one worker remembers the hashes it
 * has seen across calls, so every duplicate is still removed, and each call
 * is visited in task-id order; which copy survives may then follow the order
 * of the calls. `scope: "task"` needs no shared state and runs on any number
 * of workers, but keeps one copy per task.
 */
export class ExactDuplicateFilter extends ProcessingStage<DocumentBatch, DocumentBatch> {
	textField: string;
	scope: DedupScope;
	hashField: string | undefined;

	constructor(options: ExactDuplicateFilterOptions = {}) {
		const scope = options.scope ?? "run";
		if (scope !== "run" && scope !== "task") {
			throw new CuratorError(
				ErrorCodes.invalidStage,
				`ExactDuplicateFilter: scope must be "run" or "task", got ${String(scope)}`,
			);
		}
		super({ ...options, batchSize: options.batchSize ?? (scope === "run" ? ALL_TASKS : 1) });
		this.textField = options.textField ?? "text";
		this.scope = scope;
		this.hashField = options.hashField;
	}

	override inputs(): StageIO {
		return { data: this.hashField === undefined ? [this.textField] : [this.hashField] };
	}

	override numWorkers(): number | undefined {
		return this.scope === "run" ? 1 : undefined;
	}

	override setup(): void {
		seenByStage.set(this, new Set());
	}

	override teardown(): void {
		seenByStage.delete(this);
	}

	override process(batch: DocumentBatch): DocumentBatch | null {
		return dedupBatch(this, batch, this.scope === "run" ? seenSet(this) : new Set());
	}

	override async processBatch(tasks: DocumentBatch[]): Promise<StageOutput<DocumentBatch>[]> {
		const results: StageOutput<DocumentBatch>[] = new Array(tasks.length).fill(null);
		const order = tasks.map((_, index) => index);
		order.sort((a, b) =>
			compareTaskIds((tasks[a] as DocumentBatch).taskId, (tasks[b] as DocumentBatch).taskId),
		);
		for (const index of order) results[index] = this.process(tasks[index] as DocumentBatch);
		return results;
	}
}

/**
 * Adds a column with the hash of each document's normalized text (see
 * {@link normalizedHash}). Stateless, so it runs on every worker: put it
 * before an {@link ExactDuplicateFilter} given the same `hashField`, and the
 * one-worker dedup stage only looks hashes up.
 */
export class NormalizedTextHasher extends ProcessingStage<DocumentBatch, DocumentBatch> {
	textField: string;
	hashField: string;

	constructor(options: NormalizedTextHasherOptions = {}) {
		super(options);
		this.textField = options.textField ?? "text";
		this.hashField = options.hashField ?? DEFAULT_HASH_FIELD;
	}

	override inputs(): StageIO {
		return { data: [this.textField] };
	}

	override outputs(): StageIO {
		return { data: [this.textField, this.hashField] };
	}

	override process(batch: DocumentBatch): DocumentBatch {
		const hashes = batch.texts(this.textField).map(normalizedHash);
		return batch.withColumns({ [this.hashField]: hashes });
	}
}

registerModule(import.meta.url, { ExactDuplicateFilter, NormalizedTextHasher });

// Module functions, not #private methods: a stage rebuilt in a worker from its
// prototype and fields has no private brand, so #members would throw there.
function seenSet(stage: ExactDuplicateFilter): Set<string> {
	let seen = seenByStage.get(stage);
	if (seen === undefined) {
		seen = new Set();
		seenByStage.set(stage, seen);
	}
	return seen;
}

function dedupBatch(
	stage: ExactDuplicateFilter,
	batch: DocumentBatch,
	seen: Set<string>,
): DocumentBatch | null {
	const keys =
		stage.hashField === undefined
			? batch.texts(stage.textField).map(normalizedHash)
			: batch.texts(stage.hashField);
	const keep = new Uint8Array(keys.length);
	let kept = 0;
	for (let i = 0; i < keys.length; i++) {
		const key = keys[i] as string;
		if (seen.has(key)) continue;
		seen.add(key);
		keep[i] = 1;
		kept += 1;
	}
	stage.logMetric("duplicatesRemoved", keys.length - kept);
	if (kept === 0) return null;
	const survivors = batch.filter(keep);
	if (stage.hashField !== undefined) delete survivors.data[stage.hashField];
	return survivors;
}

/** Lower case, whitespace runs collapsed to one space, trimmed. */
export function normalizeText(text: string): string {
	return text.toLowerCase().replace(/\s+/g, " ").trim();
}

/** Hash of the normalized text (MD5, base64: a dedup key, not a security measure). */
export function normalizedHash(text: string): string {
	return hash("md5", normalizeText(text), "base64");
}
