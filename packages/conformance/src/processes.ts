import { spawnSync } from "node:child_process";

/** A process seen by `ps`. */
export interface ProcessInfo {
	pid: number;
	/** Parent process id. */
	ppid: number;
	/** `ps` state letters; `Z` is a zombie (exited, not yet reaped). */
	state: string;
	/** Command line. */
	command: string;
}

/** Whether the process helpers can work here (they need `ps` with `--ppid`, as on Linux). */
export const canListProcesses = process.platform === "linux";

/**
 * Live (non-zombie) children of `pid`, through `ps -o pid= --ppid <pid>`.
 * The `ps` process itself is left out.
 */
export function childProcessesOf(pid: number = process.pid): ProcessInfo[] {
	return listProcesses(["--ppid", String(pid)]);
}

/** Live descendants of `pid` (children, their children, ...). */
export function descendantProcessesOf(pid: number = process.pid): ProcessInfo[] {
	const found: ProcessInfo[] = [];
	const queue = [pid];
	const seen = new Set<number>(queue);
	for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
		for (const child of childProcessesOf(next)) {
			if (seen.has(child.pid)) continue;
			seen.add(child.pid);
			found.push(child);
			queue.push(child.pid);
		}
	}
	return found;
}

/** Those of `pids` that are still running (zombies count as gone). */
export function liveProcesses(pids: readonly number[]): ProcessInfo[] {
	const unique = [...new Set(pids)].filter((pid) => Number.isInteger(pid) && pid > 0);
	if (unique.length === 0) return [];
	return listProcesses(["-p", unique.join(",")]);
}

/**
 * Polls until `list()` is empty or `timeoutMs` passed; returns what is left.
 * Passing backends settle their run after reaping, so the first poll is empty.
 */
export async function waitUntilGone(
	list: () => ProcessInfo[],
	timeoutMs: number,
): Promise<ProcessInfo[]> {
	const deadline = Date.now() + timeoutMs;
	let left = list();
	let pause = 10;
	while (left.length > 0 && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, pause));
		pause = Math.min(pause * 2, 200);
		left = list();
	}
	return left;
}

function listProcesses(selection: string[]): ProcessInfo[] {
	const result = spawnSync("ps", ["-o", "pid=,ppid=,stat=,args=", ...selection], {
		encoding: "utf8",
		stdio: ["ignore", "pipe", "pipe"],
	});
	if (result.error !== undefined) throw result.error;
	// `ps` exits with 1 when nothing matched.
	if (result.status !== 0 && result.status !== 1) {
		throw new Error(`ps failed (${String(result.status)}): ${result.stderr}`);
	}
	const processes: ProcessInfo[] = [];
	for (const line of result.stdout.split("\n")) {
		const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s*(.*)$/.exec(line);
		if (match === null) continue;
		const info = {
			pid: Number(match[1]),
			ppid: Number(match[2]),
			state: match[3] ?? "",
			command: match[4] ?? "",
		};
		if (info.pid !== result.pid && !info.state.startsWith("Z")) processes.push(info);
	}
	return processes;
}
