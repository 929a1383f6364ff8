import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import {
	descendantProcessesOf,
	liveProcesses,
	type ProcessInfo,
	waitUntilGone,
} from "../processes.ts";
import type { RunnerLine, RunnerSpec, StageCounts } from "./protocol.ts";

/** How a run in the kit's runner process ended. */
export interface RunnerOutcome {
	/** It reached its hold point and the kit SIGKILLed its process group. */
	killed: boolean;
	/** Its `done` line: the run finished. */
	done?: { runId: string; stages: StageCounts[] };
	/** Its `failed` line: the run rejected. */
	failed?: { code: string | undefined; message: string };
	/** Processes of the run (the runner's descendants at the kill, its workers) still running. */
	left: string[];
	/** What the runner wrote on stderr, for messages. */
	stderr: string;
}

// Built, the runner is its own entry next to the kit's (dist/resume-runner.js); from source (the
// kit's own tests) it is src/resume/runner.ts, which Node runs by type stripping.
const runnerPath = fileURLToPath(
	import.meta.url.endsWith(".ts")
		? new URL("./runner.ts", import.meta.url)
		: new URL("./resume-runner.js", import.meta.url),
);

const running = new Set<ChildProcess>();

/**
 * Runs `spec` in a fresh `node` process of its own process group. When the
 * run reaches its hold point, SIGKILLs the group and every process the
 * runner had started outside it (e.g. a detached driver), as a crash of the
 * machine would; then waits up to `reapTimeoutMs` for every process of the
 * run to be gone (those still running are in `left`).
 */
export async function runInRunner(spec: RunnerSpec, reapTimeoutMs: number): Promise<RunnerOutcome> {
	const child = spawn(process.execPath, [runnerPath, JSON.stringify(spec)], {
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
	});
	running.add(child);
	const exited = once(child, "exit");
	const outcome: RunnerOutcome = { killed: false, left: [], stderr: "" };
	const seen = new Set<number>();
	child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
		outcome.stderr += chunk;
	});
	let partial = "";
	child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
		const lines = (partial + chunk).split("\n");
		partial = lines.pop() ?? "";
		for (const text of lines) {
			const line = parseLine(text);
			if (line === undefined) continue;
			if (line.type === "worker") seen.add(line.pid);
			else if (line.type === "done") outcome.done = { runId: line.runId, stages: line.stages };
			else if (line.type === "failed") outcome.failed = { code: line.code, message: line.message };
			else if (line.type === "hold") {
				for (const p of killRun(child.pid as number)) seen.add(p.pid);
				outcome.killed = true;
			}
		}
	});
	try {
		await exited;
	} finally {
		running.delete(child);
	}
	const pids = [...seen].filter((pid) => pid !== process.pid && pid !== child.pid);
	const left = await waitUntilGone(() => liveProcesses(pids), reapTimeoutMs);
	outcome.left = left.map((p) => `${p.pid} ${p.command}`);
	return outcome;
}

/** SIGKILLs every runner still running (a case that failed or timed out leaves none). */
export function killRunners(): void {
	for (const child of running) if (child.pid !== undefined) killRun(child.pid);
}

/** SIGKILLs process group `pid` and each of its descendants (and their groups); returns them. */
function killRun(pid: number): ProcessInfo[] {
	const descendants = descendantProcessesOf(pid);
	signal(-pid);
	for (const descendant of descendants) {
		// A descendant that made a group of its own (a detached driver) takes that group with it.
		signal(-descendant.pid);
		signal(descendant.pid);
	}
	return descendants;
}

function signal(target: number): void {
	try {
		process.kill(target, "SIGKILL");
	} catch {
		// Gone already, or not a group leader.
	}
}

/** A line of the runner's protocol; `undefined` for anything else a backend printed. */
function parseLine(text: string): RunnerLine | undefined {
	if (!text.startsWith('{"type":')) return undefined;
	try {
		return JSON.parse(text) as RunnerLine;
	} catch {
		return undefined;
	}
}
