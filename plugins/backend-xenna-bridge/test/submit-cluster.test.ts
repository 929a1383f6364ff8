import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { numbersTasks } from "@curator/conformance/fixtures";
import { Pipeline, type RunEvent } from "@curator/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RayJobsClient, removeShippedPrograms, XennaExecutor } from "../src/index.ts";
import { python, skipped, skipReason } from "./bridge-env.ts";
import {
	type Cluster,
	processTreeMatching,
	provisionClusterPython,
	rayEnv,
	repoRoot,
	startCluster,
} from "./cluster.ts";
import { makeShipProject, writeColouredInput } from "./fixtures/ship-project.ts";
import { NodeProbeStage } from "./fixtures/stages.ts";
import { waitFor } from "./helpers.ts";

/*
 * Leaving one machine: a two-node cluster whose nodes have only Python with ray and
 * cosmos-xenna (a venv outside the checkout), the worker node in a mount namespace
 * where the checkout (with the project venv and .tools/) is an empty folder, and
 * `curator submit` from a process outside the cluster.
 */

const cliBin = join(repoRoot, "packages", "cli", "dist", "bin.js");
/** A submission packs and sends about 60 MiB and starts a job on two nodes: slow on a busy two-core machine. */
const slow = { timeout: 360_000 };
let cluster: Cluster | undefined;
let dir = "";
let project = "";
let clusterPython = "";

interface Outcome {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** The `curator` command of this checkout, started in the user's project as they would. */
function startCurator(
	args: string[],
	env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; output: Outcome; done: Promise<Outcome> } {
	const child = spawn(process.execPath, [cliBin, ...args], {
		cwd: project,
		env: { ...process.env, CURATOR_XENNA_PYTHON: python, ...env },
		stdio: ["ignore", "pipe", "pipe"],
	});
	const output: Outcome = { code: null, stdout: "", stderr: "" };
	child.stdout?.on("data", (chunk) => (output.stdout += chunk));
	child.stderr?.on("data", (chunk) => (output.stderr += chunk));
	const done = new Promise<Outcome>((resolve, fail) => {
		child.on("error", fail);
		child.on("close", (code) => resolve({ ...output, code }));
	});
	return { child, output, done };
}

/** Runs the `curator` command to its end. */
function curator(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
	return startCurator(args, env).done;
}

/** `curator submit` of the project's pipeline to the test cluster, writing to `dir/<output>`. */
function submitArgs(output: string, ...more: string[]): string[] {
	const address = cluster?.dashboard ?? "";
	const io = ["--input", join(dir, "in"), "--output", join(dir, output)];
	return ["submit", "pipeline.ts", "--address", address, ...io, ...more];
}

/** The nodes (by Ray node id) whose workers reported batches of `stage` (default: any). */
function busyNodes(events: readonly RunEvent[], stage?: string): Set<string | undefined> {
	const nodeOf = new Map<string, string | undefined>();
	for (const event of events) {
		if (event.type === "worker:start") nodeOf.set(event.workerId, event.nodeId);
	}
	return new Set(
		events.flatMap((event) =>
			event.type === "batch:done" && (stage === undefined || event.stage === stage)
				? [nodeOf.get(event.workerId)]
				: [],
		),
	);
}

/** Every row the writer left in `out`, sorted. */
async function rows(out: string): Promise<string[]> {
	const files = (await readdir(out)).filter((name) => name.endsWith(".jsonl"));
	const texts = await Promise.all(files.map((name) => readFile(join(out, name), "utf8")));
	return texts.flatMap((text) => text.trim().split("\n")).sort();
}

function aliveNodes(address: string): number {
	const script = `import ray; ray.init(address="${address}", logging_level="ERROR"); print(sum(1 for n in ray.nodes() if n["Alive"]))`;
	const out = execFileSync(clusterPython, ["-c", script], {
		env: { ...process.env, ...rayEnv, RAY_AUTH_TOKEN: cluster?.token ?? "" },
		encoding: "utf8",
	});
	return Number(out.trim().split("\n").at(-1));
}

/** What the worker node's raylet sees at the checkout's path (through its mount namespace). */
function checkoutSeenByWorkerNode(): string[] {
	const raylets = processTreeMatching([cluster?.tempDir ?? "-"]).filter((pid) => {
		try {
			const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
			return cmdline.includes("raylet") && !cmdline.includes("--head");
		} catch {
			return false;
		}
	});
	const hiddenRaylet = raylets.find((pid) => {
		try {
			return readdirSync(`/proc/${pid}/root${repoRoot}`).length === 0;
		} catch {
			return false;
		}
	});
	return hiddenRaylet === undefined ? ["(no raylet with a hidden checkout)"] : [];
}

describe.skipIf(skipReason !== "")(`curator submit to a cluster of bare nodes${skipped}`, () => {
	beforeAll(async () => {
		clusterPython = provisionClusterPython();
		dir = await mkdtemp(join(tmpdir(), "curator-submit-"));
		project = join(dir, "project");
		makeShipProject(project, join(dir, "meet"));
		writeColouredInput(join(dir, "in"), 8, 400);
		cluster = await startCluster(clusterPython, {
			extraNodes: 1,
			// Streaming runs the four stages at once, one worker per node each: 4 of 5 CPUs at 0.95.
			cpusPerNode: 5,
			hiddenOnExtraNodes: [join(repoRoot, ".tools", "venv"), join(repoRoot, ".tools"), repoRoot],
		});
		const address = cluster.address;
		await waitFor(() => (aliveNodes(address) === 2 ? true : undefined), 90_000, "two alive nodes");
	}, slow.timeout);

	afterAll(async () => {
		await removeShippedPrograms();
		cluster?.stop();
		await rm(dir, { recursive: true, force: true });
	});

	it(
		"runs a project's pipeline on both nodes, equal to local, and a second submission uploads nothing",
		slow,
		async () => {
			expect(checkoutSeenByWorkerNode(), "the worker node sees an empty checkout").toEqual([]);
			const token = { RAY_AUTH_TOKEN: cluster?.token ?? "" };
			const input = join(dir, "in");
			const local = await curator([
				"run",
				"pipeline.ts",
				"--input",
				input,
				"--output",
				join(dir, "local"),
				"--progress",
				"none",
			]);
			expect(local.code, local.stderr).toBe(0);

			const events = join(dir, "events.jsonl");
			const first = await curator(
				submitArgs("ray", "--events", events, "--workers", "2", "--json"),
				token,
			);
			expect(first.code, first.stderr).toBe(0);
			expect(JSON.parse(first.stdout)).toMatchObject({
				pipeline: "strip-colours",
				backend: "xenna-bridge",
				ok: true,
			});
			expect(await rows(join(dir, "ray"))).toEqual(await rows(join(dir, "local")));
			expect((await rows(join(dir, "ray")))[0]).not.toContain("\u001b");

			const runEvents = (await readFile(events, "utf8"))
				.trim()
				.split("\n")
				.map((line) => JSON.parse(line) as RunEvent);
			const nodes = busyNodes(runEvents, "StripColoursStage");
			expect(nodes.size, "nodes whose workers processed batches").toBe(2);
			expect([...nodes].every((node) => typeof node === "string" && node.length > 0)).toBe(true);

			const second = await curator(submitArgs("again"), token);
			expect(second.code, second.stderr).toBe(0);
			const packages = second.stderr.split("\n").filter((line) => line.startsWith("package "));
			expect(packages).toHaveLength(3);
			expect(
				packages.every((line) => /already on the cluster/.test(line)),
				packages.join("\n"),
			).toBe(true);
			expect(await rows(join(dir, "again"))).toEqual(await rows(join(dir, "local")));
		},
	);

	it("refuses a submission without the cluster's token, saying how to give it", slow, async () => {
		const refused = await curator(submitArgs("never"), { RAY_AUTH_TOKEN: "0".repeat(64) });
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/RAY_AUTH_TOKEN/);
	});

	it("Ctrl-C stops the Ray job and exits as an interrupted run", slow, async () => {
		const token = cluster?.token ?? "";
		const address = cluster?.dashboard ?? "";
		// Three workers must meet, and there are two: the job runs until it is stopped.
		const run = startCurator(submitArgs("stopped", "--workers", "3"), { RAY_AUTH_TOKEN: token });
		const waiting = join(dir, "meet", "3");
		await waitFor(
			() => (existsSync(waiting) && readdirSync(waiting).length > 0 ? true : undefined),
			180_000,
			"a worker mid-batch",
		);
		run.child.kill("SIGINT");
		const outcome = await run.done;
		expect(outcome.code, outcome.stderr).toBe(130);
		expect(outcome.stderr).toContain("curator: interrupted: the Ray job was stopped");
		const id = /job (\S+) submitted/.exec(outcome.stderr)?.[1] ?? "";
		const info = await new RayJobsClient({ address, token }).waitForEnd(id);
		expect(info.status).toBe("STOPPED");
	});

	it(
		"an executor of this process that joins the cluster ships its stages there itself",
		slow,
		async () => {
			const saved = process.env.RAY_AUTH_TOKEN;
			process.env.RAY_AUTH_TOKEN = cluster?.token ?? "";
			const probes = join(dir, "probes");
			await mkdir(probes);
			try {
				const executor = new XennaExecutor({
					python,
					rayAddress: cluster?.address,
					ship: true,
					cpuAllocationPercentage: 1,
					loggingIntervalS: 600,
				});
				const events: RunEvent[] = [];
				// One worker per node: the two meet across the nodes (parties: 2).
				const perNode = { backend: { xenna: { numWorkersPerNode: 1 } } };
				const stages = [
					new NodeProbeStage({ dir: probes, parties: 2, name: "Probe" }).with(perNode),
				];
				const inputs = numbersTasks(...Array.from({ length: 6 }, (_, i) => [i]));
				const result = await new Pipeline({ name: "shipped", stages }).run(executor, inputs, {
					onEvent: (event) => events.push(event),
				});
				expect(result.tasks.map((task) => task.data)).toEqual(inputs.map((task) => task.data));
				expect(busyNodes(events).size, "nodes whose workers processed batches").toBe(2);
				const packedHere = async () =>
					(await readdir(tmpdir())).filter((name) => name.startsWith("curator-ship-"));
				const before = await packedHere();
				expect(before.length, "the run's packages are kept for its next runs").toBeGreaterThan(0);
				await removeShippedPrograms();
				const after = await packedHere();
				expect(
					before.filter((name) => after.includes(name)),
					"packages left",
				).toEqual([]);
			} finally {
				if (saved === undefined) delete process.env.RAY_AUTH_TOKEN;
				else process.env.RAY_AUTH_TOKEN = saved;
			}
		},
	);
});
