import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { reapAll, runCurator } from "./cli-helpers.ts";

const dirs: string[] = [];
afterEach(reapAll);
afterAll(async () => {
	for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("curator --json", () => {
	it("prints exactly one JSON object with the run report on stdout", async () => {
		const out = await mkdtemp(join(tmpdir(), "curator-e2e-json-"));
		dirs.push(out);
		const result = await runCurator(["run", "demo", "--output", out, "--json"]);
		expect(result.code).toBe(0);
		expect(result.stdout.endsWith("\n")).toBe(true);
		expect(result.stdout.trim().split("\n")).toHaveLength(1);
		const report = JSON.parse(result.stdout);
		expect(Object.keys(report).sort()).toEqual(
			[
				"backend",
				"failures",
				"ledger",
				"ok",
				"output",
				"outputItems",
				"pipeline",
				"stages",
				"wallTimeS",
			].sort(),
		);
		expect(report.output).toEqual({ folder: out, rows: 2351, files: 4 });
		expect(report.ledger.balanced).toBe(true);
		expect(report.ledger.stages).toHaveLength(11);
		expect(report).toMatchObject({ pipeline: "demo", backend: "local", ok: true, failures: [] });
		expect(report.wallTimeS).toBeGreaterThan(0);
		expect(report.stages).toHaveLength(11);
		for (const stage of report.stages) {
			expect(Object.keys(stage).sort()).toEqual(
				[
					"batches",
					"customMetrics",
					"failedTasks",
					"filteredTasks",
					"idleTimeS",
					"itemsIn",
					"itemsOut",
					"meanProcessTimeS",
					"perItemTimeS",
					"processTimeS",
					"retries",
					"stage",
					"tasksIn",
					"tasksOut",
					"workers",
				].sort(),
			);
			for (const [key, value] of Object.entries(stage)) {
				if (key === "stage") expect(typeof value).toBe("string");
				else if (key === "customMetrics") expect(typeof value).toBe("object");
				else expect(typeof value).toBe("number");
			}
		}
		expect(report.stages.at(-1).customMetrics.rowsWritten).toBe(2351);
	});

	it("describes a pipeline and lists backends as JSON", async () => {
		const described = JSON.parse((await runCurator(["describe", "demo", "--json"])).stdout);
		expect(described).toMatchObject({ name: "demo" });
		expect(described.stages[0]).toEqual({
			name: "FilePartitioningStage",
			class: "FilePartitioningStage",
			role: "source",
			batchSize: 1,
			numWorkers: null,
			resources: { cpus: 1, gpus: 0, gpuMemoryGb: 0, nvdecs: 0, nvencs: 0, entireGpu: false },
		});
	});
});
