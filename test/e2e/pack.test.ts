import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, run } from "./helpers.ts";

const packages = ["packages/core", "packages/runtime", "plugins/backend-local"];

const script = `
import { LocalExecutor } from "@curator/backend-local";
import { Pipeline, ProcessingStage, Task } from "@curator/core";
class Words extends Task { get numItems() { return this.data.length; } }
class Upper extends ProcessingStage {
	process(task) { return new Words({ datasetName: task.datasetName, data: task.data.map((w) => w.toUpperCase()) }); }
}
const pipeline = new Pipeline({ name: "installed", stages: [new Upper()] });
const { tasks } = await pipeline.run(new LocalExecutor(), [new Words({ datasetName: "d", data: ["a", "b"] })]);
console.log(JSON.stringify(tasks.map((t) => [t.taskId, t.data, t.stagePerf.map((p) => p.stageName)])));
`;

describe("installed from packed tarballs", () => {
	let dir = "";
	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), "curator-pack-"));
	});
	afterAll(async () => {
		if (dir) await rm(dir, { recursive: true, force: true });
	});

	it("runs a pipeline in a project outside the workspace", async () => {
		for (const pkg of packages) {
			await run("npm", ["pack", "--silent", "--pack-destination", dir], {
				cwd: join(repoRoot, pkg),
			});
		}
		const tarballs = (await readdir(dir)).filter((f) => f.endsWith(".tgz"));
		expect(tarballs.sort()).toEqual([
			"curator-backend-local-0.1.0.tgz",
			"curator-core-0.1.0.tgz",
			"curator-runtime-0.1.0.tgz",
		]);
		await writeFile(
			join(dir, "package.json"),
			JSON.stringify({ name: "consumer", private: true, type: "module" }),
		);
		await writeFile(join(dir, "main.js"), script);
		await run(
			"npm",
			["install", "--no-audit", "--no-fund", "--prefer-offline", ...tarballs.map((t) => `./${t}`)],
			{
				cwd: dir,
			},
		);
		const { stdout } = await run(process.execPath, ["main.js"], { cwd: dir });
		expect(JSON.parse(stdout)).toEqual([["0_0_0", ["A", "B"], ["Upper"]]]);
	});
});
