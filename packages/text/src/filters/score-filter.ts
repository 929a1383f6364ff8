import { ProcessingStage, registerModule, type StageIO, type StageSettings } from "@curator/core";
import type { DocumentBatch } from "../document-batch.ts";
import { documentFilter, type FilterSpec } from "./registry.ts";

/** Options of {@link ScoreFilter}. */
export interface ScoreFilterOptions extends StageSettings {
	/** Column holding the text. Default `"text"`. */
	textField?: string;
	/** Column the score is written to; default the filter's own (e.g. `word_count`). */
	scoreField?: string;
	/** Keep the score as a column of the output. Default `true`. */
	keepScores?: boolean;
	/** Keep the documents the filter would drop, and drop the others. Default `false`. */
	invert?: boolean;
}

/**
 * Scores every document with one filter and keeps those the filter accepts;
 * the scores stay as a column (`Float64Array`). The filter is a plain-data
 * {@link FilterSpec} (for example `{ kind: "wordCount", min: 50 }`) looked
 * up by kind at run time, so the stage travels to workers as plain data.
 * Logs `kept` and `dropped` metrics. A batch left empty is filtered out.
 */
export class ScoreFilter extends ProcessingStage<DocumentBatch, DocumentBatch> {
	filter: FilterSpec;
	textField: string;
	scoreField: string;
	keepScores: boolean;
	invert: boolean;

	constructor(filter: FilterSpec, options: ScoreFilterOptions = {}) {
		const definition = documentFilter(filter.kind);
		definition.validate(filter);
		super({ ...options, name: options.name ?? `${capitalize(filter.kind)}Filter` });
		this.filter = { ...filter };
		this.textField = options.textField ?? "text";
		this.scoreField =
			options.scoreField ??
			(typeof definition.scoreField === "string"
				? definition.scoreField
				: definition.scoreField(filter));
		this.keepScores = options.keepScores ?? true;
		this.invert = options.invert ?? false;
	}

	override inputs(): StageIO {
		return { data: [this.textField] };
	}

	override outputs(): StageIO {
		return { data: this.keepScores ? [this.textField, this.scoreField] : [this.textField] };
	}

	override process(batch: DocumentBatch): DocumentBatch | null {
		const definition = documentFilter(this.filter.kind);
		const texts = batch.texts(this.textField);
		const scores = new Float64Array(texts.length);
		const keep = new Uint8Array(texts.length);
		let kept = 0;
		for (let i = 0; i < texts.length; i++) {
			const score = definition.score(texts[i] as string, this.filter);
			scores[i] = score;
			const accepted = definition.keep(score, this.filter) !== this.invert;
			keep[i] = accepted ? 1 : 0;
			if (accepted) kept += 1;
		}
		this.logMetric("kept", kept);
		this.logMetric("dropped", texts.length - kept);
		if (kept === 0) return null;
		const scored = this.keepScores ? batch.withColumns({ [this.scoreField]: scores }) : batch;
		return kept === texts.length ? scored : scored.filter(keep);
	}
}

registerModule(import.meta.url, { ScoreFilter });

function capitalize(kind: string): string {
	return kind.length === 0 ? kind : kind[0]?.toUpperCase() + kind.slice(1);
}
