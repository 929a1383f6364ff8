import { afterEach, describe, expect, it } from "vitest";
import { encodeStage, packTasks, readBatch } from "../src/codec.ts";
import {
	type Isolation,
	WorkerCrashError,
	WorkerHandle,
	WorkerRequestError,
} from "../src/worker-handle.ts";
import { ExitingStage } from "./fixtures/exiting-run.ts";
import { SpawningStage } from "./fixtures/spawning-stage.ts";
import { WordsTask } from "./fixtures/stages.ts";
import { TopLevelStage } from "./fixtures/top-level-run.ts";

const topLevelModule = new URL("./fixtures/top-level-run.ts", import.meta.url).href;
const exitingModule = new URL("./fixtures/exiting-run.ts", import.meta.url).href;
const worker = { workerId: "w0", allocation: { cpus: 1, gpus: [] } };

/** The error `request` failed with (a rejection is expected). */
async function failure(request: Promise<unknown>): Promise<WorkerRequestError> {
	const error = await request.then(
		() => undefined,
		(e: unknown) => e,
	);
	if (!(error instanceof WorkerRequestError)) {
		throw new Error(`expected a WorkerRequestError, got ${String(error)}`);
	}
	return error;
}

describe.each(["process", "thread"] as const)(
	"a worker %s importing a module that runs its pipeline at top level",
	(isolation: Isolation) => {
		let handle: WorkerHandle | undefined;
		afterEach(() => handle?.kill());

		it("fails init with CURATOR_RUN_IN_WORKER naming the module and the fix, and every request after", async () => {
			handle = WorkerHandle.spawn({ workerId: "w0", isolation });
			const init = await failure(
				handle.request({
					type: "init",
					key: "0",
					stage: encodeStage(new TopLevelStage()),
					isSource: false,
				}),
			);
			expect(init.wire.code).toBe("CURATOR_RUN_IN_WORKER");
			expect(init.message).toContain(
				`inline: a pipeline run was started inside a worker by ${topLevelModule},`,
			);
			expect(init.message).toContain("`if (import.meta.main)`");
			const setup = await failure(handle.request({ type: "setup", key: "0", worker }));
			expect(setup.wire.code).toBe("CURATOR_RUN_IN_WORKER");
			// It still shuts down when asked.
			expect((await handle.stop()).expected).toBe(true);
		});

		it("reports the refusal before the module's own error handler ends the worker", async () => {
			handle = WorkerHandle.spawn({ workerId: "w0", isolation });
			const init = handle.request({
				type: "init",
				key: "0",
				stage: encodeStage(new ExitingStage()),
				isSource: false,
			});
			const error = await init.catch((e: unknown) => e);
			expect(error).not.toBeInstanceOf(WorkerCrashError);
			expect(error).toMatchObject({ wire: { code: "CURATOR_RUN_IN_WORKER" } });
			expect((error as Error).message).toContain(`by ${exitingModule},`);
			expect((await handle.exited).code).toBe(3);
		});

		it("leaves the processes a stage starts free to run pipelines of their own (the mark is not inherited)", async () => {
			handle = WorkerHandle.spawn({ workerId: "w0", isolation });
			const stage = encodeStage(new SpawningStage());
			await handle.request({ type: "init", key: "0", stage, isSource: false });
			const task = new WordsTask({ datasetName: "d", data: ["go"] });
			task.taskId = "0_0";
			const reply = await handle.request({
				type: "process",
				keys: ["0"],
				payload: packTasks([task]),
			});
			const [out] = await readBatch(reply.payload!);
			expect(out?.data).toEqual(["ran 1", ""]);
		});
	},
);
