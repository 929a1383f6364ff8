import type { BatchRecord } from "@curator/core";

/** What the batch records of one stage add up to over a run, each list sorted. */
export interface StageIdLedger {
	inputIds: string[];
	outputIds: string[];
	filteredIds: string[];
	failedIds: string[];
}

/** The ledger of every stage that reported a batch, by stage name. */
export function stageIdLedgers(records: readonly BatchRecord[]): Record<string, StageIdLedger> {
	const ledgers: Record<string, StageIdLedger> = {};
	for (const record of records) {
		const ledger = ledgers[record.stage] ?? {
			inputIds: [],
			outputIds: [],
			filteredIds: [],
			failedIds: [],
		};
		ledgers[record.stage] = ledger;
		ledger.inputIds.push(...record.inputIds);
		ledger.outputIds.push(...record.outputIds);
		ledger.filteredIds.push(...record.filteredIds);
		ledger.failedIds.push(...record.failedIds);
	}
	for (const ledger of Object.values(ledgers)) {
		for (const ids of Object.values(ledger)) ids.sort();
	}
	return ledgers;
}

/**
 * What is wrong with a run's batch records, as sentences (none: they are
 * consistent). Per stage, no input id is reported twice; per record, the
 * filtered and failed ids are inputs of the record and disjoint, a failed
 * record has no outputs, and every other input has an output whose id
 * descends from it (`<input>_...`), and every output descends from one of
 * the inputs. Descent is not checked for `contentIdStage`, a source stage
 * whose outputs take content ids.
 */
export function batchRecordProblems(
	records: readonly BatchRecord[],
	contentIdStage?: string,
): string[] {
	const problems: string[] = [];
	const seen = new Map<string, Set<string>>();
	for (const record of records) {
		const inputs = seen.get(record.stage) ?? new Set<string>();
		seen.set(record.stage, inputs);
		const at = `${record.stage} batch [${record.inputIds.join(", ")}]`;
		for (const id of record.inputIds) {
			if (inputs.has(id)) problems.push(`${record.stage}: input ${id} reported twice`);
			inputs.add(id);
		}
		problems.push(...partitionProblems(record, at, record.stage !== contentIdStage));
	}
	return problems;
}

function partitionProblems(record: BatchRecord, at: string, traced: boolean): string[] {
	const problems: string[] = [];
	const inputs = new Set(record.inputIds);
	const filtered = new Set(record.filteredIds);
	const failed = new Set(record.failedIds);
	for (const id of [...filtered, ...failed]) {
		if (!inputs.has(id)) problems.push(`${at}: ${id} is filtered or failed but not an input`);
		if (filtered.has(id) && failed.has(id)) problems.push(`${at}: ${id} both filtered and failed`);
	}
	if (failed.size > 0 && record.outputIds.length > 0) {
		problems.push(`${at}: a failed batch reports outputs`);
	}
	if (!traced) return problems;
	const produced = new Set<string>();
	for (const output of record.outputIds) {
		const parent = record.inputIds.find((id) => output.startsWith(`${id}_`));
		if (parent === undefined) problems.push(`${at}: output ${output} descends from no input`);
		else produced.add(parent);
	}
	for (const id of record.inputIds) {
		if (!produced.has(id) && !filtered.has(id) && !failed.has(id)) {
			problems.push(`${at}: input ${id} has no output and is neither filtered nor failed`);
		}
		if (produced.has(id) && filtered.has(id)) {
			problems.push(`${at}: input ${id} is filtered but has outputs`);
		}
	}
	return problems;
}
