import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./helpers.ts";

/** The built `curator` command. */
export const curatorBin = join(repoRoot, "packages/cli/dist/bin.js");

/** The CLI package's test fixtures (pipeline files). */
export const cliFixtures = join(repoRoot, "packages/cli/test/fixtures");

/** What a finished CLI process left. */
export interface CliResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
	/** Processes still alive in the CLI's process group after it exited. */
	leftovers: number[];
}

const running = new Set<ChildProcess>();

/**
 * Starts the CLI as the leader of a new process group, so every worker it
 * starts can be found (and, in {@link reapAll}, killed) by group.
 */
export function startCli(
	args: string[],
	cwd = repoRoot,
	env: NodeJS.ProcessEnv = {},
): ChildProcess {
	const child = spawn(process.execPath, [curatorBin, ...args], {
		cwd,
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: { ...process.env, FORCE_COLOR: "0", ...env },
	});
	running.add(child);
	return child;
}

/** Waits for the CLI to exit; collects its output and what is left of its process group. */
export function finished(child: ChildProcess): Promise<CliResult> {
	let stdout = "";
	let stderr = "";
	child.stdout?.on("data", (chunk) => {
		stdout += chunk;
	});
	child.stderr?.on("data", (chunk) => {
		stderr += chunk;
	});
	return new Promise((resolve, reject) => {
		child.on("error", reject);
		child.on("close", (code, signal) => {
			running.delete(child);
			resolve({ code, signal, stdout, stderr, leftovers: groupMembers(child.pid ?? -1) });
		});
	});
}

/** Runs the CLI to completion (`env` is added to this process's environment). */
export function runCurator(
	args: string[],
	cwd = repoRoot,
	env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
	return finished(startCli(args, cwd, env));
}

/** Resolves when `text` appears on the child's stderr. */
export function stderrContains(child: ChildProcess, text: string): Promise<void> {
	return new Promise((resolve, reject) => {
		let seen = "";
		const onData = (chunk: Buffer): void => {
			seen += chunk.toString();
			if (seen.includes(text)) {
				child.stderr?.off("data", onData);
				resolve();
			}
		};
		child.stderr?.on("data", onData);
		child.on("close", () => reject(new Error(`exited before printing "${text}": ${seen}`)));
	});
}

/** Pids of live processes whose process group is `pgid` (from /proc). */
export function groupMembers(pgid: number): number[] {
	const members: number[] = [];
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
			// fields: state, ppid, pgrp, ...; zombies are already dead.
			if (Number(fields[2]) === pgid && fields[0] !== "Z") members.push(Number(entry));
		} catch {
			// The process ended while we looked.
		}
	}
	return members;
}

/** Kills every CLI process group a test left behind. */
export function reapAll(): void {
	for (const child of running) {
		try {
			if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
		} catch {
			// Already gone.
		}
	}
	running.clear();
}
