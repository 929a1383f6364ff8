import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { type CliIO, runCli } from "../src/index.ts";

const dirs: string[] = [];

/** A fresh temporary folder, removed after the test. */
export async function tempDir(): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), "curator-cli-"));
	dirs.push(dir);
	return dir;
}

afterEach(async () => {
	for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in this process with captured output. */
export async function cli(
	argv: string[],
	cwd = process.cwd(),
): Promise<{ code: number; stdout: string; stderr: string }> {
	const out = { stdout: "", stderr: "" };
	const io: CliIO = {
		stdout: { write: (text: string) => (out.stdout += text) },
		stderr: { write: (text: string) => (out.stderr += text) },
		cwd,
		onInterrupt: () => () => {},
	};
	const code = await runCli(argv, io);
	return { code, ...out };
}

/** The fixture folder. */
export const fixtures = new URL("./fixtures/", import.meta.url).pathname;
