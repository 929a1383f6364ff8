import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { descendantProcessesOf, liveProcesses, waitUntilGone } from "@curator/conformance";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { python, rayAddress, skipped, skipReason } from "./bridge-env.ts";
import { heldPids, waitFor } from "./helpers.ts";

let dir = "";
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "xenna-signal-"));
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

const script = fileURLToPath(new URL("./fixtures/signal-run.ts", import.meta.url));

describe.skipIf(skipReason !== "")(`signals${skipped}`, () => {
	it.each(["SIGTERM", "SIGINT"] as const)(
		"%s to the TypeScript process mid-run: it exits and its driver and Node workers are reaped",
		async (signal) => {
			const child = spawn(process.execPath, [script, python, rayAddress, dir], {
				stdio: ["ignore", "pipe", "inherit"],
			});
			const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
				child.once("exit", (code, sig) => resolve(sig ?? code)),
			);
			let output = "";
			child.stdout.on("data", (chunk) => {
				output += String(chunk);
			});
			await waitFor(() => (heldPids(dir).length > 0 ? true : undefined), 90_000, "a held batch");
			const descendants = descendantProcessesOf(child.pid);
			const started = descendants.map((p) => p.pid);
			const driver = descendants
				.filter((p) => p.command.includes("ray_js_bridge"))
				.map((p) => p.pid);
			expect(driver, "the driver runs under the program").toHaveLength(1);
			child.kill(signal);
			expect(await exited, "the program ends by the signal it got").toBe(signal);
			// The program reaps before it dies (the driver's own parent watch would only act later).
			expect(liveProcesses(driver), "the driver when the program ended").toEqual([]);
			const workers = [...output.matchAll(/"pid":(\d+)/g)].map((m) => Number(m[1]));
			expect(workers.length, "Node workers seen").toBeGreaterThan(0);
			const left = await waitUntilGone(() => liveProcesses([...started, ...workers]), 30_000);
			expect(left.map((p) => `${p.pid} ${p.command}`)).toEqual([]);
			expect(output).not.toContain("finished");
		},
	);
});
