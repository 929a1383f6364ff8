import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The repository root. */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

const execFileAsync = promisify(execFile);

/** Runs a command to completion; rejects with its output when it fails. */
export async function run(
	command: string,
	args: string[],
	options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ stdout: string; stderr: string }> {
	return execFileAsync(command, args, {
		cwd: options.cwd,
		env: { ...process.env, ...options.env },
		timeout: options.timeoutMs ?? 120_000,
		maxBuffer: 64 * 1024 * 1024,
		killSignal: "SIGKILL",
	});
}
