import { stat } from "node:fs/promises";
import { relative, resolve } from "node:path";
import {
	CuratorError,
	ErrorCodes,
	ProcessingStage,
	type RunInfo,
	type StageSettings,
	type Task,
} from "@curator/core";
import { FileGroupTask, type FileRef } from "./file-group.ts";
import { describeFile } from "./file-identity.ts";
import { commitOutput, discardStaging, pruneStaging, stageFile } from "./output-commit.ts";
import { prepareOutputFolder } from "./output-folder.ts";
import {
	type OutputMode,
	outputModes,
	parseStagedName,
	readOutputManifest,
	STAGING_FOLDER,
} from "./output-layout.ts";
import { recoverCommit } from "./output-recovery.ts";

/** Options every {@link FileSinkStage} takes. */
export interface FileSinkOptions extends StageSettings {
	/** Output folder (created when missing). */
	path: string;
	/**
	 * What to do when the folder already holds something (checked before any
	 * stage runs): `error` (default) refuses, `overwrite` replaces the old
	 * output when this run commits, `append` adds this run's files, `ignore`
	 * writes nothing.
	 */
	mode?: OutputMode;
}

/** Defaults of {@link FileSinkOptions}. */
export const fileSinkDefaults = { mode: "error" } as const;

/** One file's content, as a sink renders a task. */
export interface RenderedFile {
	body: string;
	rows: number;
}

/**
 * Base of the sinks that write one file per task into an output folder, so
 * that an unfinished run never looks finished, on every backend. Workers
 * stage each file under `<path>/_temporary/<runId>/`, named by its task id
 * (see `stagedName`); when the whole run succeeded, `commit` (in the
 * calling process) moves them to their final names, `part-00000<extension>`,
 * ... in task-id order (with `append`, numbered on after the folder's
 * files), and writes `_SUCCESS`, the manifest mapping each name to its task
 * id, last; `publishedOutputs` then points the run's output tasks at the
 * published files. A failed or aborted run removes its staging
 * (`rollback`); a killed one leaves only its staging. The run id reaches
 * the workers as a field set by `preflight`.
 */
export abstract class FileSinkStage<In extends Task> extends ProcessingStage<In, FileGroupTask> {
	/** Absolute output folder (resolved where the stage was built). */
	path: string;
	mode: OutputMode;
	/** The run's id, set by `preflight`. */
	runId: string | undefined;
	/**
	 * Set by `preflight` when the sink writes nothing: mode `ignore` met a
	 * used folder, or a resumed run finds its output already published.
	 */
	skip = false;
	/** Set by `preflight` for a run with a checkpoint: each staged file is flushed to disk as it is written. */
	flushEach = false;

	constructor(options: FileSinkOptions) {
		super(options);
		const label = new.target.name;
		if (typeof options.path !== "string" || options.path.length === 0) {
			throw new CuratorError(ErrorCodes.invalidStage, `${label}: path must be a folder path`);
		}
		const mode = options.mode ?? fileSinkDefaults.mode;
		if (!outputModes.includes(mode)) {
			throw new CuratorError(
				ErrorCodes.invalidStage,
				`${label}: unknown mode ${JSON.stringify(mode)} (one of: ${outputModes.join(", ")})`,
			);
		}
		this.path = resolve(options.path);
		this.mode = mode;
		this.runId = undefined;
	}

	/** The data files' extension, e.g. `.jsonl`. */
	protected abstract get extension(): string;

	/** The content of the file for `task`. */
	protected abstract render(task: In): RenderedFile;

	/**
	 * Checks the folder against the mode and takes the run's id, before any
	 * stage runs. A run resumed from a checkpoint first finishes with the
	 * commit of the run it resumes, if it was killed in it (`recoverCommit`:
	 * already published, the sink writes nothing; cut short, undone), then
	 * checks the folder as it was before the interrupted run (its own staging
	 * aside), keeps the staged files of the partitions that run settled and
	 * removes the rest.
	 */
	override async preflight(run: RunInfo): Promise<void> {
		const label = this.constructor.name;
		const names = { path: `${label} option "path"`, mode: `${label} option "mode"` };
		const checkpoint = run.checkpoint?.resumed === true ? run.checkpoint : undefined;
		this.runId = run.runId;
		this.flushEach = run.checkpoint !== undefined;
		if (checkpoint !== undefined) {
			this.skip = await alreadyPublished(this.name, this.path, run);
			if (this.skip) return;
		}
		const resumed = checkpoint === undefined ? undefined : run.runId;
		const plan = await prepareOutputFolder(this.path, this.mode, this.extension, names, resumed);
		this.skip = plan === "skip";
		if (checkpoint === undefined || this.skip) return;
		const { kept, removed } = await pruneStaging(this.path, run.runId, (taskId) =>
			checkpoint.kept(taskId),
		);
		run.logger.info(
			{ stage: this.name, folder: this.path, kept, removed },
			`${this.name} resumes run ${run.runId}: ${kept} staged file(s) kept, ${removed} to write again`,
		);
	}

	override async process(task: In): Promise<FileGroupTask> {
		if (this.skip) {
			return new FileGroupTask({ datasetName: task.datasetName, data: [], metadata: { rows: 0 } });
		}
		const runId = this.runId;
		if (runId === undefined) {
			throw new CuratorError(
				ErrorCodes.invalidStage,
				`${this.constructor.name}: no run id; a file sink runs inside a pipeline run, whose preflight gives it one`,
			);
		}
		const { body, rows } = this.render(task);
		// With a checkpoint, a staged file must be on disk before its partition is recorded done.
		const staged = await stageFile(this.path, runId, task.taskId, body, rows, this.flushEach);
		const bytes = Buffer.byteLength(body);
		this.logMetric("rowsWritten", rows);
		this.logMetric("bytesWritten", bytes);
		// Names the staged file until `publishedOutputs`: only the commit chooses the final name.
		// Its rename keeps the file's size and time, so the reference's stay right.
		const file = await describeFile(this.path, relative(this.path, staged), {
			stats: await stat(staged),
		});
		return new FileGroupTask({
			datasetName: task.datasetName,
			data: [file],
			metadata: { rows, bytes },
		});
	}

	/** Moves this run's staged files to their final names and writes `_SUCCESS` last. */
	override async commit(run: RunInfo): Promise<void> {
		if (this.skip) return;
		const mode = this.mode === "ignore" ? "error" : this.mode;
		const { extension, path: folder } = this;
		const { runId, pipeline } = run;
		const flushed = run.checkpoint !== undefined;
		const manifest = await commitOutput({ folder, runId, mode, extension, pipeline, flushed });
		run.logger.info(
			{ stage: this.name, folder, files: manifest.files.length, rows: manifest.rows },
			`${this.name} committed ${folder}`,
		);
	}

	/** Removes this run's staged files, unless the run has a checkpoint: they wait for its resume. */
	override async rollback(run: RunInfo): Promise<void> {
		if (this.skip || run.checkpoint !== undefined) return;
		await discardStaging(this.path, run.runId);
	}

	/**
	 * Points the run's output tasks naming files this sink staged at the
	 * names its commit published them under (from the manifest); a task of
	 * another stage, or a run that wrote nothing, is left as it was.
	 */
	override async publishedOutputs(tasks: Task[], run: RunInfo): Promise<Task[]> {
		if (this.skip) return tasks;
		const manifest = await readOutputManifest(this.path);
		const names = new Map<string, string>();
		for (const file of manifest?.files ?? []) {
			if (file.runId === run.runId && file.taskId !== undefined) names.set(file.taskId, file.name);
		}
		const staging = `${STAGING_FOLDER}/${run.runId}/`;
		const published = (ref: FileRef): FileRef => {
			if (ref.root !== this.path || !ref.path.startsWith(staging)) return ref;
			const taskId = parseStagedName(ref.path.slice(staging.length))?.taskId;
			const name = taskId === undefined ? undefined : names.get(taskId);
			return name === undefined ? ref : { ...ref, path: name };
		};
		for (const task of tasks) {
			if (task instanceof FileGroupTask) task.data = task.data.map(published);
		}
		return tasks;
	}
}

/**
 * Finishes with the commit of the run a resumed run resumes (`recoverCommit`);
 * whether that run had published `folder` already (the sink writes nothing).
 */
async function alreadyPublished(stage: string, folder: string, run: RunInfo): Promise<boolean> {
	const recovery = await recoverCommit(folder, run.runId);
	if (recovery === "none") return false;
	const published = recovery === "committed";
	run.logger.info(
		{ stage, folder, recovery },
		published
			? `${stage}: run ${run.runId} had published ${folder} before it was killed; nothing to write`
			: `${stage}: run ${run.runId} was killed in its commit; its published files go back to its staging`,
	);
	return published;
}
