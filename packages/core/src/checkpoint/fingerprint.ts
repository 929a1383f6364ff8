import type { ProcessingStage } from "../stage.ts";

/**
 * What identifies a pipeline for its checkpoint: each stage's name, class,
 * role, batch size and own fields (its options), as a hash. A resumed run
 * must have the same, or it would mix two pipelines' output; the code of a
 * stage is not part of it, so a fixed bug does not refuse the resume. An
 * absolute path counts by its last name only, so an input or output folder
 * moved or mounted elsewhere keeps its checkpoint (task ids do not depend on
 * where the input is either). Computed before `preflight`, which may set
 * fields of its own.
 */
export function pipelineFingerprint(stages: readonly ProcessingStage[]): string {
	const described = stages.map((stage) => ({
		name: stage.name,
		className: stage.constructor.name,
		role: stage.role ?? null,
		batchSize: stage.batchSize,
		fields: canonical(stage, new WeakSet()),
	}));
	return fnv1a64(JSON.stringify(described));
}

/** A JSON-able copy with sorted keys; functions, symbols and cycles left out. */
function canonical(value: unknown, seen: WeakSet<object>): unknown {
	if (typeof value === "bigint") return `${value}n`;
	if (typeof value === "string") return isAbsolutePath(value) ? lastName(value) : value;
	if (typeof value === "function" || typeof value === "symbol") return undefined;
	if (typeof value !== "object" || value === null) return value;
	if (seen.has(value)) return "[cycle]";
	seen.add(value);
	if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
	if (Array.isArray(value)) return value.map((item) => canonical(item, seen) ?? null);
	if (value instanceof Map) return canonical(Object.fromEntries(value), seen);
	if (value instanceof Set) return canonical([...value], seen);
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(value).sort()) {
		const item = canonical((value as Record<string, unknown>)[key], seen);
		if (item !== undefined) out[key] = item;
	}
	return out;
}

function isAbsolutePath(value: string): boolean {
	return /^(\/|[A-Za-z]:[\\/])/.test(value) && !value.includes("\n");
}

function lastName(path: string): string {
	return `…/${
		path
			.split(/[\\/]+/)
			.filter((part) => part.length > 0)
			.at(-1) ?? ""
	}`;
}

/** 64-bit FNV-1a of a string's UTF-16 code units, as 16 hex digits: no I/O, no crypto module. */
function fnv1a64(text: string): string {
	let hash = 0xcbf29ce484222325n;
	for (let i = 0; i < text.length; i++) {
		hash ^= BigInt(text.charCodeAt(i));
		hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
	}
	return hash.toString(16).padStart(16, "0");
}
