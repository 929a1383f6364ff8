import { writeSync } from "node:fs";
import {
	type BaseExecutor,
	type CheckpointStore,
	fileCheckpoint,
	Pipeline,
	type RunEvent,
} from "@curator/core";
import { disposeExecutor } from "../dispose.ts";
import type { HoldPoint, RunnerLine, RunnerSpec } from "./protocol.ts";
import { caseFolders, scenarioStages } from "./scenarios.ts";

// The kit's runner process: `node runner.js <spec as JSON>`. It builds the backend's executor from
// its module, runs one scenario and reports on stdout, one JSON line per event the kit watches.
// At its hold point it freezes its main thread, so nothing more of the run happens in this
// process until the kit kills the whole process group: the kill lands at the same point of the
// run on every backend and in every run.

/** Writes one line synchronously (a pipe on Linux is written synchronously anyway). */
function report(line: RunnerLine): void {
	writeSync(1, `${JSON.stringify(line)}\n`);
}

/** Freezes this thread until the kit kills the process; exits (code 3) if it never does. */
function freeze(holdMs: number): never {
	report({ type: "hold" });
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, holdMs);
	process.exit(3);
}

/**
 * The checkpoint folder, freezing once `hold.settled` partitions are durable, or when the run
 * (committed) would record that it finished.
 */
function holdingCheckpoint(dir: string, hold: HoldPoint | undefined, holdMs: number) {
	const store = fileCheckpoint(dir);
	if (hold === undefined || "stage" in hold) return store;
	let settled = 0;
	const holding: CheckpointStore = {
		location: store.location,
		open: (opening) => store.open(opening),
		complete: () => ("committed" in hold ? freeze(holdMs) : store.complete()),
		close: () => store.close(),
		async markDone(partitions) {
			await store.markDone(partitions);
			settled += partitions.length;
			if ("settled" in hold && settled >= hold.settled) freeze(holdMs);
		},
	};
	return holding;
}

function eventReporter(spec: RunnerSpec): (event: RunEvent) => void {
	const { hold } = spec;
	const seen = new Map<string, number>();
	return (event) => {
		if (event.type === "worker:start" && event.pid !== undefined) {
			report({ type: "worker", pid: event.pid });
		}
		if (event.type !== "batch:done") return;
		report({ type: "batch", stage: event.stage });
		const count = (seen.get(event.stage) ?? 0) + 1;
		seen.set(event.stage, count);
		if (hold !== undefined && "stage" in hold && hold.stage === event.stage) {
			if (count >= hold.batches) freeze(spec.holdMs);
		}
	};
}

async function loadExecutor(spec: RunnerSpec): Promise<BaseExecutor> {
	const module = (await import(spec.executor.module)) as Record<string, unknown>;
	const make = module[spec.executor.export];
	if (typeof make !== "function") {
		throw new Error(`${spec.executor.module} exports no function "${spec.executor.export}"`);
	}
	return (await make(spec.executor.args)) as BaseExecutor;
}

async function main(spec: RunnerSpec): Promise<number> {
	const executor = await loadExecutor(spec);
	const { checkpoint } = caseFolders(spec.dir);
	const stages = scenarioStages(spec.scenario, spec.dir);
	const pipeline = new Pipeline({ name: `resume-${spec.scenario}`, stages });
	try {
		const result = await pipeline.run(executor, undefined, {
			onEvent: eventReporter(spec),
			...(spec.checkpoint
				? { checkpoint: holdingCheckpoint(checkpoint, spec.hold, spec.holdMs) }
				: {}),
		});
		const counts = result.summary.stages.map(({ stage, tasksIn, filteredTasks }) => ({
			stage,
			tasksIn,
			filteredTasks,
		}));
		report({ type: "done", runId: result.runId, stages: counts });
		return 0;
	} catch (error) {
		const { code, message } = error as { code?: string; message?: string };
		report({ type: "failed", code, message: message ?? String(error) });
		return 1;
	} finally {
		await disposeExecutor(executor);
	}
}

const spec = JSON.parse(process.argv[2] ?? "{}") as RunnerSpec;
main(spec).then(
	(code) => process.exit(code),
	(error: unknown) => {
		report({ type: "failed", code: undefined, message: String(error) });
		process.exit(2);
	},
);
