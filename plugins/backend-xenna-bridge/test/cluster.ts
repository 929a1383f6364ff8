import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is plugins/backend-xenna-bridge/test/cluster.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The environment Ray and Cosmos-Xenna need in every process of a cluster. */
export const rayEnv = {
	RAY_EXPERIMENTAL_NOSET_CUDA_VISIBLE_DEVICES: "1",
	RAY_USAGE_STATS_ENABLED: "0",
	RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO: "0",
	RAY_DASHBOARD_SUBPROCESS_MODULE_WAIT_READY_TIMEOUT: "90",
	RAY_DASHBOARD_STARTUP_TIMEOUT_S: "120",
} as const;

/**
 * What the driver adds for a cluster it starts (Python's `LOCAL_CLUSTER_ENV`): Xenna's state API
 * limit; Ray keeps the node on 127.0.0.1 (every server binds to loopback) and requires its token
 * on every call.
 */
export const localClusterEnv = {
	RAY_MAX_LIMIT_FROM_API_SERVER: "40000",
	RAY_MAX_LIMIT_FROM_DATA_SOURCE: "40000",
	RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER: "0",
	RAY_AUTH_MODE: "token",
} as const;

/** What `tools/env/python-venv.sh` gave: the venv's python, or why there is none. */
export type PythonSetup = { python: string } | { missing: string };

/** Runs the project script that provisions the venv (exit 3: no Python >= 3.11). */
export function provisionPython(): PythonSetup {
	const script = join(repoRoot, "tools", "env", "python-venv.sh");
	const result = spawnSync("bash", [script], {
		encoding: "utf8",
		stdio: ["ignore", "pipe", "pipe"],
	});
	if (result.status === 3) {
		const reason = result.stderr.trim().split("\n").at(-1) ?? "no Python >= 3.11";
		return { missing: reason };
	}
	if (result.status !== 0) {
		throw new Error(`${script} failed (${String(result.status)}):\n${result.stderr}`);
	}
	const python = result.stdout.trim().split("\n").at(-1) ?? "";
	return { python };
}

/**
 * A Python like a cluster node's: only ray and cosmos-xenna at the bridge's pins, outside
 * the checkout (tools/env/python-cluster-venv.sh).
 */
export function provisionClusterPython(): string {
	const script = join(repoRoot, "tools", "env", "python-cluster-venv.sh");
	const result = spawnSync("bash", [script], {
		encoding: "utf8",
		stdio: ["ignore", "pipe", "pipe"],
	});
	if (result.status !== 0) {
		throw new Error(`${script} failed (${String(result.status)}):\n${result.stderr}`);
	}
	return result.stdout.trim().split("\n").at(-1) ?? "";
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
	return new Promise((ok, fail) => {
		const server = createServer();
		server.once("error", fail);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() => ok(typeof address === "object" && address !== null ? address.port : 0));
		});
	});
}

/** A Ray cluster on this machine: head plus `extraNodes` more, with token authentication. */
export interface Cluster {
	address: string;
	/** The dashboard's HTTP address (`http://127.0.0.1:<port>`): the Jobs API. */
	dashboard: string;
	tempDir: string;
	/** Its token (`RAY_AUTH_TOKEN`): whoever joins needs it in their environment. */
	token: string;
	/** Kills every process of the cluster (found through its temp dir) and their descendants. */
	stop(): void;
}

/**
 * Starts a Ray cluster with its own temp dir (so its processes can be found
 * and killed without touching any other Ray on the machine), plus a watchdog
 * that kills it if `ownerPid` dies without stopping it. Like a cluster the
 * driver starts, it requires `token` (default: a fresh one) and a single node
 * listens on loopback only. With `extraNodes` it listens on this machine's
 * address: Ray 2.55's `ray start` refuses to add a node on a machine set to
 * loopback only, and otherwise rewrites 127.0.0.1 to that address.
 */
export async function startCluster(
	python: string,
	options: {
		extraNodes?: number;
		cpusPerNode?: number;
		ownerPid?: number;
		token?: string;
		/** Folders the extra nodes do not see: each runs in a mount namespace of its own (`unshare`) with an empty folder mounted over them. */
		hiddenOnExtraNodes?: readonly string[];
	} = {},
): Promise<Cluster> {
	const ray = join(dirname(python), "ray");
	const tempDir = mkdtempSync(join(tmpdir(), "cur-ray-"));
	const token = options.token ?? randomBytes(32).toString("hex");
	const env: NodeJS.ProcessEnv = {
		...process.env,
		...rayEnv,
		...localClusterEnv,
		RAY_AUTH_TOKEN: token,
		// As on a node where Ray's venv is active: a job's `python` is the cluster's.
		PATH: `${dirname(python)}${delimiter}${process.env.PATH ?? ""}`,
	};
	if ((options.extraNodes ?? 0) > 0) delete env.RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER;
	const gcs = await freePort();
	const dashboardPort = await freePort();
	const cpus = String(options.cpusPerNode ?? 8);
	const common = [
		"--node-ip-address=127.0.0.1",
		`--num-cpus=${cpus}`,
		`--object-store-memory=${256 * 1024 * 1024}`,
		"--disable-usage-stats",
		`--temp-dir=${tempDir}`,
	];
	const cluster: Cluster = {
		address: `127.0.0.1:${gcs}`,
		dashboard: `http://127.0.0.1:${dashboardPort}`,
		tempDir,
		token,
		stop: () => killCluster(tempDir, gcs),
	};
	startWatchdog(tempDir, gcs, options.ownerPid ?? process.pid);
	try {
		const head = [
			"start",
			"--head",
			`--port=${gcs}`,
			"--include-dashboard=true",
			"--dashboard-host=127.0.0.1",
			`--dashboard-port=${dashboardPort}`,
			`--ray-client-server-port=${await freePort()}`,
			...(await nodePorts()),
		];
		run(ray, [...head, ...common], env);
		for (let i = 0; i < (options.extraNodes ?? 0); i++) {
			const node = ["start", `--address=${cluster.address}`, ...(await nodePorts()), ...common];
			run(...hidden(options.hiddenOnExtraNodes ?? [], ray, node), env);
		}
	} catch (error) {
		cluster.stop();
		throw error;
	}
	return cluster;
}

/**
 * Ports of one node's servers, picked free: Ray's defaults (52365 for the dashboard agent, and
 * random ones it does not check first) collide when several clusters share a machine.
 */
async function nodePorts(): Promise<string[]> {
	const flags = [
		"dashboard-agent-listen-port",
		"dashboard-agent-grpc-port",
		"metrics-export-port",
		"runtime-env-agent-port",
		"node-manager-port",
		"object-manager-port",
	];
	const ports: string[] = [];
	for (const flag of flags) ports.push(`--${flag}=${await freePort()}`);
	return ports;
}

/**
 * `command args` run in a mount namespace of its own (`unshare`, as root) where each of
 * `folders` shows an empty folder: what Ray starts from there keeps that view, like a
 * machine without them. Without folders, the command itself.
 */
function hidden(folders: readonly string[], command: string, args: string[]): [string, string[]] {
	if (folders.length === 0) return [command, args];
	const deepestFirst = [...folders].sort((a, b) => b.length - a.length);
	const mounts = deepestFirst.map((f) => `mount -t tmpfs -o size=64k,mode=0755 hidden ${quote(f)}`);
	const script = `set -e; cd /; ${mounts.join("; ")}; exec ${[command, ...args].map(quote).join(" ")}`;
	return ["unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", script]];
}

function quote(word: string): string {
	return `'${word.replaceAll("'", `'\\''`)}'`;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): void {
	const result = spawnSync(command, args, {
		env,
		encoding: "utf8",
		stdio: ["ignore", "pipe", "pipe"],
		timeout: 120_000,
	});
	if (result.status !== 0) {
		throw new Error(
			`${command} ${args.join(" ")} failed (${String(result.status)}):\n${result.stdout}\n${result.stderr}`,
		);
	}
}

/** Processes whose command line mentions one of `needles`, with all their descendants. */
export function processTreeMatching(needles: (string | RegExp)[]): number[] {
	const parents = new Map<number, number>();
	const roots: number[] = [];
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
			if (fields[0] === "Z") continue;
			parents.set(Number(entry), Number(fields[1]));
			const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
			const hit = needles.some((n) =>
				typeof n === "string" ? cmdline.includes(n) : n.test(cmdline),
			);
			if (hit) roots.push(Number(entry));
		} catch {
			// Gone meanwhile.
		}
	}
	const found = new Set(roots);
	let grew = true;
	while (grew) {
		grew = false;
		for (const [pid, ppid] of parents) {
			if (!found.has(pid) && found.has(ppid)) {
				found.add(pid);
				grew = true;
			}
		}
	}
	found.delete(process.pid);
	return [...found];
}

/**
 * Kills every process of the cluster (those naming its temp dir or its GCS
 * port, such as the Ray client server) and their descendants; removes the dir.
 */
export function killCluster(tempDir: string, gcsPort: number): void {
	const needles = [tempDir, new RegExp(`[:=]${gcsPort}(\0|$)`)];
	for (let round = 0; round < 5; round++) {
		const pids = processTreeMatching(needles);
		if (pids.length === 0) break;
		for (const pid of pids) {
			try {
				process.kill(pid, "SIGKILL");
			} catch {
				// Already gone.
			}
		}
		execFileSync("sleep", ["0.3"]);
	}
	rmSync(tempDir, { recursive: true, force: true });
}

/** A detached process that kills the cluster once `ownerPid` is gone (a crashed test run). */
function startWatchdog(tempDir: string, gcsPort: number, ownerPid: number): void {
	const reaper = fileURLToPath(new URL("./reaper.ts", import.meta.url));
	const child = spawn(process.execPath, [reaper, tempDir, String(gcsPort), String(ownerPid)], {
		detached: true,
		stdio: "ignore",
	});
	child.unref();
}
