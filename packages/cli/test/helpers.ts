import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { type CliIO, runCli, type StopSignal } from "../src/index.ts";

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

/** A stop signal delivered once stderr shows `when`. */
export interface Interrupt {
	signal: StopSignal;
	when: string;
}

/** Runs the CLI in this process with captured output (and, with `interrupt`, a signal mid-run). */
export async function cli(
	argv: string[],
	cwd = process.cwd(),
	interrupt?: Interrupt,
): Promise<{ code: number; stdout: string; stderr: string }> {
	const out = { stdout: "", stderr: "" };
	let onSignal: ((signal: StopSignal) => void) | undefined;
	const io: CliIO = {
		stdout: { write: (text: string) => (out.stdout += text) },
		stderr: {
			write: (text: string) => {
				out.stderr += text;
				if (
					interrupt !== undefined &&
					onSignal !== undefined &&
					out.stderr.includes(interrupt.when)
				) {
					const handler = onSignal;
					onSignal = undefined;
					handler(interrupt.signal);
				}
			},
		},
		cwd,
		onInterrupt: (handler) => {
			onSignal = handler;
			return () => {
				onSignal = undefined;
			};
		},
	};
	const code = await runCli(argv, io);
	return { code, ...out };
}

/** The fixture folder. */
export const fixtures = new URL("./fixtures/", import.meta.url).pathname;

// The packages live in temporary folders outside the workspace: they import by file URL.
const core = import.meta.resolve("@curator/core");
const local = import.meta.resolve("@curator/backend-local");

/** A backend package's index.js exporting a descriptor named `name` (the local executor). */
export const descriptor = (name: string) => `
import { defineBackend } from ${JSON.stringify(core)};
import { LocalExecutor } from ${JSON.stringify(local)};
export const backend = defineBackend({ name: ${JSON.stringify(name)}, executor: LocalExecutor, flags: {} });
`;

/** A project folder (a temporary one) with a package under node_modules: its package.json and index.js. */
export async function project(pkg: Record<string, unknown>, index: string): Promise<string> {
	const dir = await tempDir();
	const home = join(dir, "node_modules", String(pkg.name));
	await mkdir(home, { recursive: true });
	await writeFile(join(home, "package.json"), JSON.stringify({ type: "module", ...pkg }));
	await writeFile(join(home, "index.js"), index);
	await writeFile(join(dir, "package.json"), JSON.stringify({ name: "user-project" }));
	return dir;
}
