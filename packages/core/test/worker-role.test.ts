import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { isWorker, Pipeline } from "../src/index.ts";
import { DoubleStage, numbers } from "./fixtures.ts";
import { CountingExecutor } from "./worker-role/counting-executor.ts";

interface Report {
	loaded: boolean;
	code?: string;
	message?: string;
	heard: string[];
	executed: number;
}

/** Imports `fixture` in a worker thread marked as a worker; resolves with what it saw. */
function importInWorker(fixture: string): Promise<Report> {
	const module = new URL(`./worker-role/${fixture}`, import.meta.url).href;
	const worker = new Worker(new URL("./worker-role/worker.ts", import.meta.url), {
		workerData: module,
	});
	return new Promise((resolve, reject) => {
		worker.once("message", (report: Report) => {
			void worker.terminate();
			resolve(report);
		});
		worker.once("error", reject);
	});
}

describe("a pipeline run inside a worker", () => {
	it("is refused before it starts, naming the module that started it and the fix", async () => {
		const module = new URL("./worker-role/top-level-run.ts", import.meta.url).href;
		const report = await importInWorker("top-level-run.ts");
		expect(report).toMatchObject({ loaded: false, code: "CURATOR_RUN_IN_WORKER", executed: 0 });
		expect(report.message).toContain(
			`counting: a pipeline run was started inside a worker by ${module},`,
		);
		expect(report.message).toContain("keep registered stages and tasks in a module of their own");
		expect(report.message).toContain("`if (import.meta.main)`");
		expect(report.message).not.toContain("\n");
		expect(report.heard).toEqual([report.message]);
	});

	it("is reported to the worker even when the module swallows the error", async () => {
		const report = await importInWorker("swallowing-run.ts");
		expect(report).toMatchObject({ loaded: true, executed: 0 });
		expect(report.heard).toHaveLength(1);
		expect(report.heard[0]).toMatch(
			/^counting: a pipeline run was started inside a worker by .*swallowing-run\.ts,/,
		);
	});

	it("is not refused outside a worker (the mark is per thread, never inherited)", async () => {
		await importInWorker("top-level-run.ts");
		expect(isWorker()).toBe(false);
		const { tasks } = await new Pipeline({ name: "here" })
			.addStage(new DoubleStage())
			.run(new CountingExecutor(), numbers([1]));
		expect(tasks).toHaveLength(1);
	});
});
