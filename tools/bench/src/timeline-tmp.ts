import { createDemoPipeline } from "@curator/cli";
import { DataExecutor } from "@curator/backend-data";
import { ActorPoolExecutor } from "@curator/backend-actor-pool";
import { LocalExecutor } from "@curator/backend-local";
const [backend, input, output] = process.argv.slice(2);
const executor = backend === "local" ? new LocalExecutor() : backend === "data" ? new DataExecutor({ maxWorkers: 2 }) : new ActorPoolExecutor({ maxWorkersPerStage: 2 });
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const at = () => { const c = process.cpuUsage(cpu0); return `${((performance.now() - t0) / 1000).toFixed(2)} main-cpu ${((c.user + c.system) / 1e6).toFixed(1)}`; };
const per = new Map<string, number>();
await createDemoPipeline({ input, output }).run(executor, undefined, {
	onEvent: (e) => {
		if (e.type === "batch:done") { per.set(e.stage, (per.get(e.stage) ?? 0) + e.perf.processTimeS); if (e.stage === "NormalizedTextHasher" || e.stage === "ExactDuplicateFilter") console.log(at(), e.stage, e.workerId); }
		else if (e.type === "log" && process.env.SHOWLOG) console.log(at(), e.message, (e as {stage?: string}).stage, (e as {fields?: unknown}).fields ? JSON.stringify((e as {fields?: unknown}).fields) : "");
		else if (e.type === "stage:start" || e.type === "stage:end" || e.type === "worker:start") console.log(at(), e.type, (e as {stage?: string}).stage ?? "");
	},
});
console.log(at(), "done");
let sum = 0; for (const [k, v] of per) { sum += v; console.log(k.padEnd(24), v.toFixed(2)); } console.log("sum", sum.toFixed(2));
