export type {
	DedupScope,
	ExactDuplicateFilterOptions,
	NormalizedTextHasherOptions,
} from "./dedup.ts";
export {
	ALL_TASKS,
	DEFAULT_HASH_FIELD,
	ExactDuplicateFilter,
	NormalizedTextHasher,
	normalizedHash,
	normalizeText,
} from "./dedup.ts";
export type {
	Column,
	DocumentColumns,
	DocumentRow,
	NumericColumn,
} from "./document-batch.ts";
export { DocumentBatch } from "./document-batch.ts";
export {
	InputNotFoundError,
	InputReadError,
	MalformedRecordError,
	OutputExistsError,
	OutputFolderError,
} from "./errors.ts";
export type { FileRef } from "./file-group.ts";
export { FileGroupTask, fileGroupId, fileKey, filePath } from "./file-group.ts";
export type { DescribeFileOptions, FileIdentity } from "./file-identity.ts";
export { describeFile, fileIdentities, sha256Of } from "./file-identity.ts";
export type { FileSinkOptions, RenderedFile } from "./file-sink.ts";
export { FileSinkStage, fileSinkDefaults } from "./file-sink.ts";
export type {
	BuiltinFilterSpec,
	CustomFilterSpec,
	DocumentFilterDefinition,
	FilterSpec,
	MeanWordLengthSpec,
	NonAlphaNumericSpec,
	RepeatedLinesSpec,
	TopNGramSpec,
	UrlRatioSpec,
	WordCountSpec,
} from "./filters/registry.ts";
export {
	documentFilter,
	documentFilterKinds,
	registerDocumentFilter,
} from "./filters/registry.ts";
export type { ScoreFilterOptions } from "./filters/score-filter.ts";
export { ScoreFilter } from "./filters/score-filter.ts";
export {
	meanWordLength,
	nonAlphaNumericRatio,
	repeatedLinesFraction,
	topNGramFraction,
	urlRatio,
	wordCount,
	words,
} from "./filters/scores.ts";
export type {
	JsonlReaderCompositeOptions,
	JsonlReaderOptions,
	OnMalformed,
} from "./jsonl-reader.ts";
export { JsonlReader, JsonlReaderStage, jsonlReaderDefaults } from "./jsonl-reader.ts";
export type { JsonlWriterOptions } from "./jsonl-writer.ts";
export { JsonlWriter, serialize } from "./jsonl-writer.ts";
export type { LineChunk } from "./lines.ts";
export { readLineChunks } from "./lines.ts";
export type { OutputCommit } from "./output-commit.ts";
export { commitOutput, discardStaging, stageFile } from "./output-commit.ts";
export type { OutputOptionNames } from "./output-folder.ts";
export { assertWritableFolder, prepareOutputFolder } from "./output-folder.ts";
export type {
	ManifestFile,
	ManifestRun,
	OutputManifest,
	OutputMode,
} from "./output-layout.ts";
export {
	isOutputEntry,
	MANIFEST_FORMAT,
	nextPartNumber,
	outputModes,
	PART_DIGITS,
	parseStagedName,
	partNames,
	partNumber,
	readOutputManifest,
	STAGING_FOLDER,
	SUCCESS_FILE,
	stagedName,
	stagingFolder,
} from "./output-layout.ts";
export type { FilePartitioningOptions } from "./partitioning.ts";
export { FilePartitioningStage, partitioningDefaults } from "./partitioning.ts";
