import { execFile } from "node:child_process";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify, stripVTControlCharacters } from "node:util";

/** The repository root. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** The JS entry of a tool installed at the root (`node_modules/.bin/<name>`). */
export function toolEntry(name: string): string {
	return realpathSync(`${repoRoot}node_modules/.bin/${name}`);
}

/** Runs a Node script to completion; rejects with its output if it fails or outlives `timeoutMs`. */
export async function runNode(
	args: string[],
	options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<{ stdout: string; stderr: string }> {
	// A nested vitest must not think it runs inside this one.
	const env = Object.fromEntries(
		Object.entries({ ...process.env, NO_COLOR: "1", ...options.env }).filter(
			([key]) => !key.startsWith("VITEST") && key !== "FORCE_COLOR",
		),
	);
	try {
		const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
			cwd: options.cwd,
			env,
			timeout: options.timeoutMs,
			killSignal: "SIGKILL",
			maxBuffer: 64 << 20,
		});
		return { stdout: stripVTControlCharacters(stdout), stderr: stripVTControlCharacters(stderr) };
	} catch (error) {
		const { stdout, stderr } = error as { stdout?: string; stderr?: string };
		throw new Error(`${args.join(" ")} failed:\n${stdout ?? ""}\n${stderr ?? ""}`, {
			cause: error,
		});
	}
}
