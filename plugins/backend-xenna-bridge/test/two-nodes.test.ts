import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { numbersTasks } from "@curator/conformance/fixtures";
import { Pipeline } from "@curator/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { XennaExecutor } from "../src/index.ts";
import { python, rayToken, skipped, skipReason } from "./bridge-env.ts";
import { type Cluster, rayEnv, startCluster } from "./cluster.ts";
import { NodeProbeStage } from "./fixtures/stages.ts";
import { waitFor } from "./helpers.ts";

let cluster: Cluster | undefined;
let dir = "";

/** The head node's id, as Ray reports it. */
async function headNodeId(): Promise<string> {
	const script = `import ray; ray.init(address="${cluster?.address}", logging_level="ERROR"); print([n["NodeID"] for n in ray.nodes() if "node:__internal_head__" in n["Resources"]][0])`;
	const out = execFileSync(python, ["-c", script], {
		env: { ...process.env, ...rayEnv },
		encoding: "utf8",
	});
	return out.trim().split("\n").at(-1) ?? "";
}

/** Alive nodes of the cluster, as Ray reports them. */
function aliveNodes(address: string): number {
	const script = `import ray; ray.init(address="${address}", logging_level="ERROR"); print(sum(1 for n in ray.nodes() if n["Alive"]))`;
	const out = execFileSync(python, ["-c", script], {
		env: { ...process.env, ...rayEnv },
		encoding: "utf8",
	});
	return Number(out.trim().split("\n").at(-1));
}

describe.skipIf(skipReason !== "")(`two Ray nodes on this machine${skipped}`, () => {
	beforeAll(async () => {
		cluster = await startCluster(python, { extraNodes: 1, cpusPerNode: 4, token: rayToken });
		const address = cluster.address;
		await waitFor(() => (aliveNodes(address) === 2 ? true : undefined), 60_000, "two alive nodes");
		dir = await mkdtemp(join(tmpdir(), "xenna-two-nodes-"));
	});

	afterAll(async () => {
		cluster?.stop();
		await rm(dir, { recursive: true, force: true });
	});

	it("setupOnNode runs once per node and stage, and work lands on both nodes", async () => {
		const executor = new XennaExecutor({
			python,
			rayAddress: cluster?.address,
			cpuAllocationPercentage: 1,
			loggingIntervalS: 600,
		});
		// One worker per node (the probes meet across nodes); fused, as they may be.
		const perNode = { backend: { xenna: { numWorkersPerNode: 1 } } };
		const stages = [
			new NodeProbeStage({ dir, parties: 2, name: "ProbeA" }).with(perNode),
			new NodeProbeStage({ dir, parties: 2, name: "ProbeB", batchSize: 2 }).with(perNode),
		];
		const inputs = numbersTasks(...Array.from({ length: 12 }, (_, i) => [i]));
		const result = await new Pipeline({ name: "nodes", stages }).run(executor, inputs);
		expect(result.tasks).toHaveLength(12);
		const files = await readdir(dir);
		const read = async (name: string) => (await readFile(join(dir, name), "utf8")).trim();
		for (const stage of ["ProbeA", "ProbeB"]) {
			const setups = files.filter((f) => f.startsWith(`node-${stage}-`));
			const nodeOfPid = new Map<string, string>();
			for (const file of setups)
				nodeOfPid.set(file.slice(`node-${stage}-`.length), await read(file));
			const nodes = [...nodeOfPid.values()];
			expect(nodes, `${stage}: setupOnNode calls, one per node`).toHaveLength(2);
			expect(new Set(nodes).size, `${stage}: distinct nodes`).toBe(2);
			const work = files.filter((f) => f.startsWith(`work-${stage}-`));
			expect(work, `${stage}: processed tasks`).toHaveLength(12);
			const workNodes = new Set(
				await Promise.all(work.map(async (f) => nodeOfPid.get(await read(f)))),
			);
			expect(workNodes, `${stage}: nodes that processed tasks`).toEqual(new Set(nodes));
		}
	});

	it("with ignoreHeadNode every worker runs on the other node", async () => {
		const executor = new XennaExecutor({
			python,
			rayAddress: cluster?.address,
			cpuAllocationPercentage: 1,
			loggingIntervalS: 600,
			ignoreHeadNode: true,
		});
		const own = await mkdtemp(join(tmpdir(), "xenna-head-"));
		try {
			const stages = [new NodeProbeStage({ dir: own, parties: 1, name: "ProbeC" })];
			const result = await new Pipeline({ name: "head", stages }).run(
				executor,
				numbersTasks([1], [2], [3]),
			);
			expect(result.tasks).toHaveLength(3);
			const files = await readdir(own);
			const nodes = await Promise.all(
				files
					.filter((f) => f.startsWith("node-ProbeC-"))
					.map(async (f) => (await readFile(join(own, f), "utf8")).trim()),
			);
			expect(nodes).toHaveLength(1);
			expect(nodes[0]).not.toBe(await headNodeId());
		} finally {
			await rm(own, { recursive: true, force: true });
		}
	});
});
