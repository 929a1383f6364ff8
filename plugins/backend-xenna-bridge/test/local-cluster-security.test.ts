import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canListProcesses, descendantProcessesOf, type ProcessInfo } from "@curator/conformance";
import { numbersTasks } from "@curator/conformance/fixtures";
import { Pipeline } from "@curator/core";
import { describe, expect, it } from "vitest";
import { XennaExecutor } from "../src/index.ts";
import { python, skipped, skipReason } from "./bridge-env.ts";
import { HoldStage, release } from "./fixtures/stages.ts";
import { heldPids, recordingLogger, waitFor } from "./helpers.ts";
import { isLoopbackAddress, type ListeningSocket, listeningSockets } from "./sockets.ts";

const skip = skipReason !== "" || !canListProcesses;
const title = `a local cluster started for a run${skipped}${canListProcesses ? "" : " (skipped: needs Linux /proc)"}`;

describe.skipIf(skip)(title, () => {
	it("listens on loopback only, refuses job submission and ray.init without its token, and never logs the token", async () => {
		const dir = await mkdtemp(join(tmpdir(), "xenna-exposure-"));
		const logger = recordingLogger();
		const executor = new XennaExecutor({
			python,
			localCpus: 2,
			cpuAllocationPercentage: 1,
			loggingIntervalS: 600,
			logger,
		});
		const pipeline = new Pipeline({ name: "exposure", stages: [new HoldStage({ dir, hold: 2 })] });
		const outcome = pipeline.run(executor, numbersTasks([1], [2])).then(
			() => undefined,
			(error: unknown) => error,
		);
		try {
			await waitFor(() => (heldPids(dir).length > 0 ? true : undefined), 120_000, "a held batch");
			const cluster = descendantProcessesOf();
			const sockets = loopbackOnly(cluster);
			const dashboard = await dashboardPort(sockets.get("dashboard.py") ?? []);
			expect(await submitJob(dashboard), "job submission without a token").toBe(401);
			expect(await submitJob(dashboard, "0".repeat(64)), "with a wrong token").toBe(403);
			// The GCS picks its port (`--gcs_server_port=0`) and listens on that one only.
			const gcs = sockets.get("gcs_server") ?? [];
			expect(gcs, "the GCS's listening sockets").toHaveLength(1);
			const probe = rayInitWithoutToken(gcs[0]?.port ?? 0);
			expect(probe.output).not.toContain("CONNECTED");
			expect(probe.output).toContain("Authentication token is missing or incorrect");
			expect(probe.status).not.toBe(0);
			const { token, sessionDir } = clusterToken(cluster);
			expect(token, "a 256-bit token").toMatch(/^[0-9a-f]{64}$/);
			expect(token, "not the one of this process's environment").not.toBe(
				process.env.RAY_AUTH_TOKEN,
			);
			const logged = logger.records.filter((r) => JSON.stringify(r).includes(token));
			expect(logged, "log records with the token").toEqual([]);
			expect(filesContaining(sessionDir, token), "Ray's session files with the token").toEqual([]);
		} finally {
			release(dir);
			await outcome;
			await rm(dir, { recursive: true, force: true });
		}
		expect(await outcome, "the run, once released").toBeUndefined();
	});
});

const servers = ["gcs_server", "raylet", "dashboard.py", "DashboardAgent"] as const;

/**
 * Asserts that every listening socket of `cluster` is on loopback (and that the main servers'
 * sockets were seen at all); returns those sockets by server.
 */
function loopbackOnly(cluster: ProcessInfo[]): Map<string, ListeningSocket[]> {
	const sockets = listeningSockets(cluster.map((p) => p.pid));
	const commandOf = new Map(cluster.map((p) => [p.pid, p.command]));
	const exposed = sockets
		.filter((s) => !isLoopbackAddress(s.address))
		.map((s) => `${s.address}:${s.port} ${commandOf.get(s.pid)?.slice(0, 80)}`);
	expect(exposed, "listening sockets off loopback").toEqual([]);
	const byServer = new Map<string, ListeningSocket[]>();
	for (const server of servers) {
		const held = sockets.filter((s) => commandOf.get(s.pid)?.includes(server));
		expect(held.length, `sockets of ${server} seen`).toBeGreaterThan(0);
		byServer.set(server, held);
	}
	return byServer;
}

/**
 * An HTTP request as a script makes it (`fetch` sends `Sec-Fetch-*` headers, for which Ray's
 * dashboard refuses any POST as coming from a browser); resolves to the status and body.
 */
function call(
	url: string,
	method: string,
	headers: Record<string, string> = {},
	body = "",
): Promise<{ status: number; body: string }> {
	return new Promise((resolve, reject) => {
		const request = httpRequest(url, { method, headers }, (response) => {
			let text = "";
			response.setEncoding("utf8");
			response.on("data", (chunk: string) => {
				text += chunk;
			});
			response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
		});
		request.once("error", reject);
		request.end(body);
	});
}

/** Which of the dashboard process's ports is its HTTP server (the others export metrics). */
async function dashboardPort(sockets: ListeningSocket[]): Promise<number> {
	const ports: number[] = [];
	for (const { port } of sockets) {
		const answer = await call(`http://127.0.0.1:${port}/api/authentication_mode`, "GET");
		if (answer.status === 200 && answer.body.includes("authentication_mode")) ports.push(port);
	}
	expect(ports, "the dashboard's HTTP port").toHaveLength(1);
	return ports[0] ?? 0;
}

/** Asks the dashboard's job API to run `id`; returns the HTTP status. */
async function submitJob(port: number, token?: string): Promise<number> {
	const headers: Record<string, string> = { "content-type": "application/json" };
	if (token !== undefined) headers.authorization = `Bearer ${token}`;
	const body = JSON.stringify({ entrypoint: "id" });
	return (await call(`http://127.0.0.1:${port}/api/jobs/`, "POST", headers, body)).status;
}

/**
 * `ray.init(address="127.0.0.1:<gcs>")` from a second process without the token. It keeps the
 * address on loopback (Ray would rewrite it to this machine's network address) and gives up after
 * two tries (Ray's default is twenty seconds of them).
 */
function rayInitWithoutToken(gcsPort: number): { status: number | null; output: string } {
	const env: NodeJS.ProcessEnv = {};
	for (const [name, value] of Object.entries(process.env)) {
		if (!name.startsWith("RAY_")) env[name] = value;
	}
	env.RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER = "0";
	env.RAY_NUM_REDIS_GET_RETRIES = "2";
	const script = `import ray; ray.init(address="127.0.0.1:${gcsPort}"); print("CONNECTED")`;
	const result = spawnSync(python, ["-c", script], {
		env,
		encoding: "utf8",
		timeout: 120_000,
	});
	return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/**
 * The token the driver gave its cluster, from the GCS's environment (the driver's own
 * `/proc/<pid>/environ` shows only what it was started with), and the cluster's session dir.
 */
function clusterToken(processes: ProcessInfo[]): { token: string; sessionDir: string } {
	const gcs = processes.filter((p) => p.command.includes("gcs_server"));
	expect(gcs, "one GCS").toHaveLength(1);
	const environ = readFileSync(`/proc/${gcs[0]?.pid}/environ`, "utf8").split("\0");
	const token = environ.find((entry) => entry.startsWith("RAY_AUTH_TOKEN="))?.slice(15) ?? "";
	const sessionDir = /--session-dir=(\S+)/.exec(gcs[0]?.command ?? "")?.[1] ?? "";
	expect(sessionDir, "the GCS's --session-dir").not.toBe("");
	return { token, sessionDir };
}

/** Files under `dir` (sockets and other non-files left out) whose content includes `text`. */
function filesContaining(dir: string, text: string): string[] {
	const found: string[] = [];
	for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
		if (!entry.isFile()) continue;
		const path = join(entry.parentPath, entry.name);
		try {
			if (readFileSync(path, "utf8").includes(text)) found.push(path);
		} catch {
			// Removed meanwhile.
		}
	}
	return found;
}
