import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify, stripVTControlCharacters } from "node:util";

/** One test of vitest's JSON report. */
export interface ReportedTest {
	ancestorTitles: string[];
	title: string;
	status: "passed" | "failed" | "skipped" | "pending" | "todo";
	failureMessages: string[];
}

const vitestCli = join(
	dirname(createRequire(import.meta.url).resolve("vitest/package.json")),
	"vitest.mjs",
);

/**
 * Runs vitest in a child process on the project at `root` and returns every
 * test of its JSON report (a failing run is expected: the exit code is not
 * an error). The child is killed if it outlives `timeoutMs`.
 */
export async function runNestedVitest(root: string, timeoutMs: number): Promise<ReportedTest[]> {
	const out = await mkdtemp(join(tmpdir(), "curator-nested-vitest-"));
	const report = join(out, "report.json");
	try {
		const env = Object.fromEntries(
			Object.entries({ ...process.env, NO_COLOR: "1" }).filter(
				([key]) => !key.startsWith("VITEST") && key !== "FORCE_COLOR",
			),
		);
		await promisify(execFile)(
			process.execPath,
			[vitestCli, "run", "--root", root, "--reporter=json", `--outputFile=${report}`],
			{ cwd: root, env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 << 20 },
		).catch((error: { code?: unknown; killed?: boolean }) => {
			// Exit code 1 means "some tests failed"; anything else is a broken run.
			if (error.code !== 1 || error.killed === true) throw error;
		});
		const parsed = JSON.parse(await readFile(report, "utf8")) as {
			testResults: { assertionResults: ReportedTest[] }[];
		};
		return parsed.testResults
			.flatMap((file) => file.assertionResults)
			.map((test) => ({
				...test,
				failureMessages: test.failureMessages.map((m) => stripVTControlCharacters(m)),
			}));
	} finally {
		await rm(out, { recursive: true, force: true });
	}
}

/** `describe > ... > title` of the tests under top-level suite `suite` with `status`. */
export function testsOf(
	tests: readonly ReportedTest[],
	suite: string,
	status: ReportedTest["status"],
): string[] {
	return tests
		.filter((t) => t.ancestorTitles[0] === suite && t.status === status)
		.map((t) => [...t.ancestorTitles.slice(1), t.title].join(" > "));
}
