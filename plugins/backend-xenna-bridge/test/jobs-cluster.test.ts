import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeHttpFetch, type RayFetch, RayJobsClient, RayJobsError } from "../src/index.ts";
import { python, rayDashboard, rayToken, skipped, skipReason } from "./bridge-env.ts";

let root = "";
const started: string[] = [];

/** A fresh directory with `files` (path -> [text, mode]) in it. */
async function tree(name: string, files: Record<string, [string, number]>): Promise<string> {
	const dir = join(root, name);
	for (const [path, [text, mode]] of Object.entries(files)) {
		await mkdir(join(dir, path, ".."), { recursive: true });
		await writeFile(join(dir, path), text);
		await chmod(join(dir, path), mode);
	}
	return dir;
}

/** A client of the shared cluster; its token comes from RAY_AUTH_TOKEN (set by bridge-env). */
function client(fetch?: RayFetch): RayJobsClient {
	return new RayJobsClient({
		address: rayDashboard,
		pollIntervalMs: 250,
		...(fetch ? { fetch } : {}),
	});
}

describe.skipIf(skipReason !== "")(`RayJobsClient on a Ray cluster${skipped}`, () => {
	beforeAll(async () => {
		root = await mkdtemp(join(tmpdir(), "xenna-jobs-cluster-"));
	});

	afterAll(async () => {
		// A job a failed test left running would hold its Python process until the cluster stops.
		for (const id of started)
			await client()
				.stopJob(id)
				.catch(() => undefined);
		await rm(root, { recursive: true, force: true });
	});

	it("ensurePackage uploads a package once: the second call finds it and sends no body", async () => {
		const dir = await tree(`once-${process.pid}`, { "data.txt": [`${Date.now()}`, 0o644] });
		const requests: string[] = [];
		const counting: RayFetch = (url, init) => {
			requests.push(`${init.method} ${init.body === undefined ? 0 : init.body.length}`);
			return nodeHttpFetch(url, init);
		};
		const jobs = client(counting);
		const first = await jobs.ensurePackage(dir, "working_dir");
		expect(first.uploaded).toBe(true);
		expect(requests).toEqual(["GET 0", `PUT ${first.sentBytes}`]);
		requests.length = 0;
		const second = await jobs.ensurePackage(dir, "working_dir");
		expect(second).toEqual({ uri: first.uri, uploaded: false, bytes: first.bytes, sentBytes: 0 });
		expect(requests).toEqual(["GET 0"]);
	});

	it("a job with a working_dir and a py_modules package succeeds, and followLogs delivers its line", async () => {
		const workingDir = await tree("wd", { "greeting.txt": ["hello from the working_dir", 0o644] });
		const module = await tree("shouter", {
			"__init__.py": ["def shout(text):\n    return text.upper() + '!'\n", 0o644],
		});
		const jobs = client();
		const wd = await jobs.ensurePackage(workingDir, "working_dir");
		const mod = await jobs.ensurePackage(module, "py_modules");
		const code = `import os, shouter; print(shouter.shout(open('greeting.txt').read()), os.environ['CURATOR_MARK'])`;
		const id = await jobs.submitJob({
			entrypoint: `${python} -c "${code}"`,
			runtimeEnv: { workingDir: wd.uri, pyModules: [mod.uri], envVars: { CURATOR_MARK: "m42" } },
			metadata: { test: "jobs-cluster" },
		});
		started.push(id);
		let text = "";
		const info = await jobs.followLogs(id, (chunk) => {
			text += chunk;
		});
		expect(info.status, info.message).toBe("SUCCEEDED");
		expect(text).toContain("HELLO FROM THE WORKING_DIR! m42");
		expect(info).toMatchObject({
			submissionId: id,
			driverExitCode: 0,
			metadata: { test: "jobs-cluster" },
		});
	});

	it("files keep their executable bit through Ray's unpacking (working_dir and py_modules)", async () => {
		const workingDir = await tree("exec-wd", {
			"run.sh": [
				'#!/bin/sh\nset -e\ntool="$("$PY" -c "import tools; print(tools.TOOL)")"\ntest -x "$tool"\n"$tool"\n',
				0o755,
			],
		});
		const module = await tree("tools", {
			"__init__.py": [
				"import os\nTOOL = os.path.join(os.path.dirname(__file__), 'bin', 'tool')\n",
				0o644,
			],
			"bin/tool": ["#!/bin/sh\necho tool ran\n", 0o755],
		});
		const jobs = client();
		const wd = await jobs.ensurePackage(workingDir, "working_dir");
		const mod = await jobs.ensurePackage(module, "py_modules");
		const id = await jobs.submitJob({
			entrypoint: "./run.sh",
			runtimeEnv: { workingDir: wd.uri, pyModules: [mod.uri], envVars: { PY: python } },
		});
		started.push(id);
		const info = await jobs.waitForEnd(id);
		const logs = await jobs.jobLogs(id);
		expect(info.status, `${info.message}\n${logs}`).toBe("SUCCEEDED");
		expect(logs).toContain("tool ran");
	});

	it("stopJob stops a sleeping job (STOPPED); an aborted followLogs rejects with CURATOR_ABORTED", async () => {
		const jobs = client();
		const id = await jobs.submitJob({ entrypoint: "echo sleeping; sleep 600" });
		started.push(id);
		const abort = new AbortController();
		let text = "";
		const following = jobs.followLogs(
			id,
			(chunk) => {
				text += chunk;
				if (text.includes("sleeping")) abort.abort();
			},
			abort.signal,
		);
		await expect(following).rejects.toMatchObject({ code: "CURATOR_ABORTED" });
		expect((await jobs.jobInfo(id)).status).toBe("RUNNING");
		expect(await jobs.stopJob(id)).toBe(true);
		const info = await jobs.waitForEnd(id);
		expect(info.status).toBe("STOPPED");
		expect(await jobs.stopJob(id)).toBe(false);
	});

	it("a wrong token fails with CURATOR_RAY_JOBS naming address, endpoint and the token to set", async () => {
		const jobs = new RayJobsClient({ address: rayDashboard, token: `${rayToken}x` });
		const error = await jobs.jobInfo("raysubmit_nope").catch((e: unknown) => e);
		expect(error).toBeInstanceOf(RayJobsError);
		expect(error).toMatchObject({
			code: "CURATOR_RAY_JOBS",
			status: 403,
			message: `xenna-bridge: Ray Jobs API at ${rayDashboard}, GET /api/jobs/raysubmit_nope: the cluster refused the token (HTTP 403, not the cluster's token): set RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH, or the client's \`token\`) to the cluster's token`,
		});
		expect((error as Error).message).not.toContain(rayToken);
		// The log tail's WebSocket cannot show an HTTP status: followLogs still reports the 403.
		await expect(jobs.followLogs("raysubmit_nope", () => undefined)).rejects.toMatchObject({
			status: 403,
		});
	});

	it("no token fails with CURATOR_RAY_JOBS: the cluster requires a token", async () => {
		const withoutToken: RayFetch = (url, init) => nodeHttpFetch(url, { ...init, headers: {} });
		const error = await client(withoutToken)
			.ensurePackage(await tree("no-token", { "a.txt": ["a", 0o644] }), "working_dir")
			.catch((e: unknown) => e);
		expect(error).toMatchObject({ code: "CURATOR_RAY_JOBS", status: 401 });
		expect((error as Error).message).toMatch(
			/^xenna-bridge: Ray Jobs API at http:\/\/127\.0\.0\.1:\d+, GET \/api\/packages\/gcs\/_ray_pkg_[0-9a-f]{32}\.zip: the cluster requires a token: set RAY_AUTH_TOKEN/,
		);
	});

	it("an unknown job fails with CURATOR_RAY_JOBS and Ray's reason", async () => {
		await expect(client().jobInfo("raysubmit_unknown")).rejects.toMatchObject({
			code: "CURATOR_RAY_JOBS",
			status: 404,
			reason: "HTTP 404: Job raysubmit_unknown does not exist",
		});
	});

	it("Node's global fetch is refused by Ray as a browser's (why the client has its own transport)", async () => {
		const error = await client(globalThis.fetch as RayFetch)
			.submitJob({ entrypoint: "true" })
			.catch((e: unknown) => e);
		expect(error).toMatchObject({ code: "CURATOR_RAY_JOBS", status: 405 });
		expect((error as RayJobsError).reason).toMatch(/took the request for a browser's/);
	});
});
