import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { normalizeText } from "@curator/text";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
	cliFixtures,
	finished,
	reapAll,
	runCurator,
	startCli,
	stderrContains,
} from "./cli-helpers.ts";
import { repoRoot, run } from "./helpers.ts";

interface BackendEntry {
	name: string;
	package: string;
	ok: boolean;
	problem?: string;
}

const expected = JSON.parse(
	await readFile(join(repoRoot, "packages/cli/sample/expected.json"), "utf8"),
) as { itemsOut: Record<string, number>; written: number; outputFiles: number };

const listed = await runCurator(["backends", "--json"]);
const backends = JSON.parse(listed.stdout) as BackendEntry[];
const dirs: string[] = [];

/** Why `backend` cannot run here (empty when it can); the xenna driver needs the project virtualenv. */
async function missingPiece(backend: BackendEntry): Promise<string> {
	if (!backend.ok) return `${backend.package} does not load: ${backend.problem}`;
	if (backend.name !== "xenna") return "";
	try {
		await run(join(repoRoot, "tools/env/python-venv.sh"), [], {
			cwd: repoRoot,
			timeoutMs: 600_000,
		});
		return "";
	} catch (error) {
		// Exit code 3: no Python >= 3.11 on this machine (any other failure is a real one).
		if ((error as { code?: unknown }).code === 3) {
			const reason = "no python >= 3.11 here, which the xenna backend's driver needs";
			console.warn(`\n*** SKIPPING the xenna backend's end-to-end runs: ${reason} ***\n`);
			return reason;
		}
		throw error;
	}
}
const skipReasons = new Map(
	await Promise.all(backends.map(async (b) => [b.name, await missingPiece(b)] as const)),
);
const skipLabel = (backend: BackendEntry): string => {
	const reason = skipReasons.get(backend.name) ?? "";
	return reason === "" ? "" : ` (skipped: ${reason})`;
};

/**
 * The data files of an output folder by name (`part-00000.jsonl`, ...); its `_SUCCESS` manifest
 * must list exactly them, each with the task it was written for.
 */
async function outputOf(dir: string): Promise<Map<string, string>> {
	const files = (await readdir(dir)).filter((name) => name !== "_SUCCESS").sort();
	expect(files).toEqual(files.map((_, i) => `part-${String(i).padStart(5, "0")}.jsonl`));
	const manifest = JSON.parse(await readFile(join(dir, "_SUCCESS"), "utf8")) as {
		files: { name: string; taskId: unknown }[];
	};
	expect(manifest.files.map((file) => file.name)).toEqual(files);
	expect(manifest.files.every((file) => typeof file.taskId === "string")).toBe(true);
	return new Map(
		await Promise.all(files.map(async (f) => [f, await readFile(join(dir, f), "utf8")] as const)),
	);
}

/** The normalized texts of every row of the output files, sorted; each appears once. */
function normalizedTexts(files: Map<string, string>): string[] {
	const rows = [...files.values()].join("").trim().split("\n");
	const texts = rows.map((row) => normalizeText((JSON.parse(row) as { text: string }).text)).sort();
	expect(new Set(texts).size).toBe(texts.length);
	return texts;
}

afterEach(reapAll);
afterAll(async () => {
	for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** One `curator run demo`: a backend, and the environment that picks its mode. */
interface DemoRun {
	label: string;
	backend: BackendEntry;
	env: Record<string, string>;
}

// Xenna twice: streaming (the CLI's default; the driver sizes its local Ray cluster for a CPU per
// stage at once, more logical CPUs than this machine has) and batch. Local first: it is the
// reference the others are compared with (`curator backends` lists them by name).
const inOrder = [...backends].sort(
	(a, b) => Number(b.name === "local") - Number(a.name === "local"),
);
const demoRuns: DemoRun[] = inOrder.flatMap((backend): DemoRun[] =>
	backend.name !== "xenna"
		? [{ label: backend.name, backend, env: {} }]
		: [
				{ label: "xenna (streaming)", backend, env: {} },
				{ label: "xenna (batch)", backend, env: { CURATOR_XENNA_EXECUTION_MODE: "batch" } },
			],
);

/** SHA-256 of the output rows, sorted (bytewise) and joined by newlines. */
function sortedRowsDigest(files: Map<string, string>): string {
	const rows = [...files.values()].join("").trim().split("\n");
	rows.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
	return createHash("sha256").update(rows.join("\n")).digest("hex");
}

describe("curator run demo on every backend", () => {
	it("lists the four backends, each loading", () => {
		expect(listed.code).toBe(0);
		expect(backends.map((b) => b.name)).toEqual(["actor-pool", "data", "local", "xenna"]);
		expect(backends.map((b) => b.ok)).toEqual([true, true, true, true]);
	});

	let reference: Map<string, string> | undefined;
	const digests = new Map<string, string>();
	afterAll(() => {
		if (digests.size > 0) console.info("demo output, sorted-row SHA-256 per backend:", digests);
	});

	// One case per backend and mode; one that cannot run here is skipped visibly, with the reason.
	// Every backend must write the very files of local (the dedup barrier keeps the same copies).
	for (const { label: name, backend, env } of demoRuns) {
		const label = skipLabel(backend);
		it.skipIf(label !== "")(
			`${name}: the documented count after every stage, byte-identical output to local${label}`,
			async () => {
				const out = await mkdtemp(join(tmpdir(), `curator-e2e-${backend.name}-`));
				dirs.push(out);
				const args = ["run", "demo", "--backend", backend.name, "--output", out, "--json"];
				const workers = backend.name === "local" ? [] : ["--workers", "2"];
				const result = await runCurator([...args, ...workers, "--progress", "none"], { env });
				expect(result.stderr).toBe("");
				expect(result.code).toBe(0);
				expect(result.leftovers).toEqual([]);
				const report = JSON.parse(result.stdout) as {
					ok: boolean;
					backend: string;
					stages: { stage: string; itemsOut: number }[];
				};
				expect(report.ok).toBe(true);
				// The executor names itself (backend-xenna-bridge says "xenna-bridge" for --backend xenna).
				expect(report.backend.startsWith(backend.name)).toBe(true);
				const itemsOut = Object.fromEntries(report.stages.map((s) => [s.stage, s.itemsOut]));
				expect(itemsOut).toMatchObject(expected.itemsOut);
				const files = await outputOf(out);
				expect(files.size).toBe(expected.outputFiles);
				const rows = [...files.values()].join("").trim().split("\n");
				expect(rows.length).toBe(expected.written);
				expect(new Set(normalizedTexts(files)).size).toBe(expected.written);
				digests.set(name, sortedRowsDigest(files));
				if (backend.name === "local") reference = files;
				else {
					expect(reference, "the local run (the first case) must have run").toBeDefined();
					expect(digests.get(name), "sorted-row digest against local").toBe(digests.get("local"));
					expect(files).toEqual(reference);
				}
			},
		);
	}
});

// In this file, not beside the other error cases, so that runs needing a Ray cluster (xenna)
// do not overlap: vitest runs files in parallel.
describe("curator and SIGINT or SIGTERM on every backend", () => {
	const signals = [
		{ signal: "SIGINT", code: 130, note: "interrupted: stopping", word: "interrupted" },
		{ signal: "SIGTERM", code: 143, note: "terminated (SIGTERM): stopping", word: "terminated" },
	] as const;
	// One case per backend and signal; a backend that cannot run here is skipped visibly, with the reason.
	for (const backend of backends) {
		const label = skipLabel(backend);
		for (const { signal, code, note, word } of signals) {
			it.skipIf(label !== "")(
				`${backend.name}: ${signal} aborts the run, prints the summary and exits ${code} with no process left${label}`,
				async () => {
					const workers = backend.name === "local" ? [] : ["--workers", "2"];
					const child = startCli([
						"run",
						join(cliFixtures, "slow-pipeline.ts"),
						"--backend",
						backend.name,
						...workers,
						"--progress",
						"lines",
					]);
					const done = finished(child);
					await stderrContains(child, "SlowStage: started");
					child.kill(signal);
					const result = await done;
					expect(result.code).toBe(code);
					expect(result.stderr).toContain(`${note} the run and its workers`);
					expect(result.stderr).toMatch(new RegExp(`curator: ${word}: .*\n$`));
					expect(result.stdout).toMatch(/^pipeline "slow" on .*: failed: /);
					expect(result.stdout).toMatch(/^SlowStage +\d/m);
					expect(result.leftovers).toEqual([]);
				},
			);
		}
	}
});
