// One memory-benchmark run in its own process (so its whole process tree can be measured):
// node data-memory-run.ts <backend: data | data-unfused | actor-pool> <docs> <perShard> <outDir>
import { ActorPoolExecutor } from "@curator/backend-actor-pool";
import { DataExecutor } from "@curator/backend-data";
import { type BaseExecutor, Pipeline } from "@curator/core";
import { JsonlWriter, ScoreFilter } from "@curator/text";
import { GenerateDocuments, ShardSource } from "../stages/docs.ts";

const [backend = "data", docs = "2000000", perShard = "1000", out = ""] = process.argv.slice(2);

function executor(): BaseExecutor {
	if (backend === "actor-pool") return new ActorPoolExecutor({ maxWorkersPerStage: 2 });
	return new DataExecutor({ maxWorkers: 2, fuseStages: backend !== "data-unfused" });
}

const source = new ShardSource();
source.docs = Number(docs);
source.perShard = Number(perShard);
const pipeline = new Pipeline({
	name: "memory",
	stages: [
		source,
		new GenerateDocuments(),
		new ScoreFilter({ kind: "wordCount", min: 50 }, { keepScores: false }),
		new JsonlWriter({ path: out, mode: "overwrite" }),
	],
});
const run = executor();
const start = performance.now();
const result = await pipeline.run(run, []);
const written = result.tasks.reduce((n, t) => n + Number(t.metadata.rows ?? 0), 0);
const report: Record<string, unknown> = {
	seconds: (performance.now() - start) / 1000,
	files: result.tasks.length,
	written,
};
if (run instanceof DataExecutor) {
	const metrics = run.metrics;
	report.operators = metrics?.operators.map((o) => `${o.kind}:${o.operator}`).join(" -> ");
	report.queueHighWater = Math.max(0, ...(metrics?.operators.map((o) => o.queueHighWater) ?? []));
	report.peakWorkers = metrics?.peakWorkers;
}
console.log(JSON.stringify(report));
