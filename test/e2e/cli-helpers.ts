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

/** How {@link startCli} starts the CLI besides its arguments. */
export interface StartOptions {
	cwd?: string;
	/** Extra environment variables. */
	env?: Record<string, string>;
	/** A command (and its arguments) that runs the CLI's command line, e.g. in another namespace. */
	wrap?: string[];
}

/**
 * Starts the CLI as the leader of a new process group, so every worker it
 * starts can be found (and, in {@link reapAll}, killed) by group.
 */
export function startCli(args: string[], options: StartOptions = {}): ChildProcess {
	const { cwd = repoRoot, env = {}, wrap = [] } = options;
	const command = [...wrap, process.execPath, curatorBin, ...args];
	const child = spawn(command[0] as string, command.slice(1), {
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

/** Runs the CLI to completion. */
export function runCurator(args: string[], options: StartOptions = {}): Promise<CliResult> {
	return finished(startCli(args, options));
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
