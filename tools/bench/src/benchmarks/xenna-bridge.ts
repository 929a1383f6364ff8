import { ActorPoolExecutor } from "@curator/backend-actor-pool";
import { closeIdleDrivers, type XennaConfig, XennaExecutor } from "@curator/backend-xenna-bridge";
import { registerBenchmark } from "../harness.ts";
import { venvPython } from "../python.ts";
import { timeRun } from "../runs.ts";
import { CpuStage, calibrate, EmptyStage } from "../stages/cpu.ts";

const flags = {
	tasks: { default: "2000", description: "number of tasks" },
	"ray-address": { default: "", description: "join this Ray cluster (default: a local one)" },
	slots: { default: "2", description: "Xenna slotsPerActor (batches queued per actor)" },
};

/**
 * A bridge executor that keeps its driver (and a local 2-CPU Ray cluster it
 * started) between runs, so a warm-up run pays the start-up once.
 */
function bridge(address: string, python: string): XennaExecutor {
	const config: XennaConfig = {
		python,
		keepAliveS: 600,
		cpuAllocationPercentage: 1,
		loggingIntervalS: 600,
	};
	if (address !== "") config.rayAddress = address;
	else config.localCpus = 2;
	return new XennaExecutor(config);
}

registerBenchmark({
	name: "xenna-bridge-cpu",
	description:
		"CPU-bound stage (~2 ms per task) through the Xenna bridge on Ray vs actor-pool, 2 workers each",
	flags: {
		...flags,
		"work-ms": { default: "2", description: "CPU work per task in ms" },
		"batch-size": { default: "10", description: "tasks per batch" },
	},
	async run(values, log) {
		const count = Number(values.tasks);
		const batchSize = Number(values["batch-size"]);
		const python = venvPython();
		const iterations = calibrate(Number(values["work-ms"]));
		const stage = (workers: number) => {
			const xenna = { numWorkers: workers, slotsPerActor: Number(values.slots) };
			const s = new CpuStage({ batchSize }).with({ backend: { xenna } });
			s.iterations = iterations;
			return s;
		};
		try {
			log("actor-pool, 2 worker processes");
			const poolS = await timeRun(
				new ActorPoolExecutor({ maxWorkersPerStage: 2 }),
				stage(2),
				count,
			);
			log("xenna-bridge: cold run (driver start, Ray connect or local cluster start), 10 tasks");
			const coldS = await timeRun(bridge(values["ray-address"] ?? "", python), stage(2), 10);
			log("xenna-bridge: warm run");
			const warmS = await timeRun(bridge(values["ray-address"] ?? "", python), stage(2), count);
			return {
				rows: [
					{
						backend: "actor-pool (process)",
						workers: 2,
						seconds: poolS,
						tasksPerS: count / poolS,
						ratio: 1,
					},
					{
						backend: "xenna-bridge (warm driver)",
						workers: 2,
						seconds: warmS,
						tasksPerS: count / warmS,
						ratio: poolS / warmS,
					},
					{
						backend: "xenna-bridge cold start, 10 tasks",
						workers: 2,
						seconds: coldS,
						tasksPerS: 10 / coldS,
						ratio: null,
					},
				],
				notes: {
					tasks: count,
					batchSize,
					slotsPerActor: Number(values.slots),
					ratio: "bridge throughput / actor-pool throughput",
				},
			};
		} finally {
			await closeIdleDrivers();
		}
	},
});

registerBenchmark({
	name: "xenna-bridge-roundtrip",
	description:
		"round-trip overhead per batch: an empty stage, batches of 1, one worker, bridge vs actor-pool",
	flags: { ...flags, tasks: { default: "1000", description: "number of tasks (= batches)" } },
	async run(values, log) {
		const count = Number(values.tasks);
		const python = venvPython();
		const empty = () =>
			new EmptyStage({ batchSize: 1 }).with({
				backend: { xenna: { numWorkers: 1, slotsPerActor: 2 } },
			});
		try {
			log("actor-pool, 1 worker process");
			const poolS = await timeRun(new ActorPoolExecutor({ maxWorkersPerStage: 1 }), empty(), count);
			log("xenna-bridge: warm-up run");
			const fixedS = await timeRun(bridge(values["ray-address"] ?? "", python), empty(), 1);
			const oneS = await timeRun(bridge(values["ray-address"] ?? "", python), empty(), 1);
			log("xenna-bridge: timed run");
			const bridgeS = await timeRun(bridge(values["ray-address"] ?? "", python), empty(), count);
			const perBatch = (s: number) => (s * 1000) / count;
			return {
				rows: [
					{
						backend: "actor-pool (process)",
						batches: count,
						seconds: poolS,
						msPerBatch: perBatch(poolS),
					},
					{
						backend: "xenna-bridge (warm driver)",
						batches: count,
						seconds: bridgeS,
						msPerBatch: perBatch(bridgeS),
					},
					{
						backend: "xenna-bridge, run of 1 batch",
						batches: 1,
						seconds: oneS,
						msPerBatch: oneS * 1000,
					},
				],
				notes: {
					tasks: count,
					slotsPerActor: Number(values.slots),
					"first run (cold)": `${fixedS.toFixed(2)} s`,
					perRunFixedCost:
						"a warm run of one batch: actor and Node worker start, Xenna's loop, teardown",
				},
			};
		} finally {
			await closeIdleDrivers();
		}
	},
});
