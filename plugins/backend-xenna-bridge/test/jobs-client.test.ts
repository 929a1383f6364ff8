import { chmod, mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	nodeHttpFetch,
	RayJobsClient,
	RayJobsError,
	resolveRayToken,
	zipDirectory,
} from "../src/index.ts";
import { freePort } from "./cluster.ts";

let root = "";

/** A fresh directory under the file's temp dir with `files` (path -> text) in it. */
async function tree(name: string, files: Record<string, string>): Promise<string> {
	const dir = join(root, name);
	for (const [path, text] of Object.entries(files)) {
		await mkdir(join(dir, path, ".."), { recursive: true });
		await writeFile(join(dir, path), text);
	}
	return dir;
}

/** Unix modes of the zip's entries, from the upper 16 bits of their external attributes. */
function modes(zip: Uint8Array): Record<string, number> {
	const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
	const out: Record<string, number> = {};
	// Walk the central directory: signature 0x02014b50, name at +46, attributes at +38.
	for (let at = 0; at + 46 <= zip.byteLength; at++) {
		if (view.getUint32(at, true) !== 0x02014b50) continue;
		const nameLength = view.getUint16(at + 28, true);
		const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
		out[name] = view.getUint32(at + 38, true) >>> 16;
	}
	return out;
}

beforeAll(async () => {
	root = await mkdtemp(join(tmpdir(), "xenna-jobs-"));
});

afterAll(async () => {
	await rm(root, { recursive: true, force: true });
});

describe("zipDirectory", () => {
	it("gives the same bytes and URI for the same content, whatever the file times", async () => {
		const files = { "a.txt": "alpha", "sub/b.txt": "beta", "sub/c/d.txt": "delta" };
		const one = await tree("same-1", files);
		const two = await tree("same-2", files);
		await utimes(join(two, "a.txt"), new Date(2001, 1, 1), new Date(2001, 1, 1));
		const first = await zipDirectory(one, "working_dir");
		const again = await zipDirectory(one, "working_dir");
		const copy = await zipDirectory(two, "working_dir");
		expect(Buffer.from(again.zip).equals(Buffer.from(first.zip))).toBe(true);
		expect(Buffer.from(copy.zip).equals(Buffer.from(first.zip))).toBe(true);
		expect(first.uri).toMatch(/^gcs:\/\/_ray_pkg_[0-9a-f]{32}\.zip$/);
		expect(copy.uri).toBe(first.uri);
	});

	it("gives another URI when a file's content or executable bit changes", async () => {
		const dir = await tree("changes", { "a.txt": "alpha", "run.sh": "echo hi\n" });
		const before = await zipDirectory(dir, "working_dir");
		await writeFile(join(dir, "a.txt"), "alpha!");
		const edited = await zipDirectory(dir, "working_dir");
		await chmod(join(dir, "run.sh"), 0o755);
		const executable = await zipDirectory(dir, "working_dir");
		expect(new Set([before.uri, edited.uri, executable.uri]).size).toBe(3);
	});

	it("keeps the executable bit (0755 or 0644, as file modes Ray's unzip applies), sorted entries", async () => {
		const dir = await tree("modes", { "z.txt": "z", "bin/tool": "#!/bin/sh\n", "a.txt": "a" });
		await chmod(join(dir, "bin/tool"), 0o700);
		await chmod(join(dir, "a.txt"), 0o600);
		await mkdir(join(dir, "empty"));
		const pkg = await zipDirectory(dir, "working_dir");
		expect(modes(pkg.zip)).toEqual({
			"a.txt": 0o100644,
			"bin/tool": 0o100755,
			"empty/": 0o040755,
			"z.txt": 0o100644,
		});
		expect(Object.keys(modes(pkg.zip))).toEqual(["a.txt", "bin/tool", "empty/", "z.txt"]);
		expect(new TextDecoder().decode(unzipSync(pkg.zip)["bin/tool"])).toBe("#!/bin/sh\n");
	});

	it("puts a py_modules package under one folder named after the directory; working_dir at the root", async () => {
		const dir = await tree("greet", { "__init__.py": "X = 1\n", "util/m.py": "" });
		const asModule = await zipDirectory(dir, "py_modules");
		const asWorkingDir = await zipDirectory(dir, "working_dir");
		expect(Object.keys(unzipSync(asModule.zip)).sort()).toEqual([
			"greet/__init__.py",
			"greet/util/m.py",
		]);
		expect(Object.keys(unzipSync(asWorkingDir.zip)).sort()).toEqual(["__init__.py", "util/m.py"]);
		expect(asModule.uri).not.toBe(asWorkingDir.uri);
	});

	it("refuses a path that is not a directory", async () => {
		await expect(zipDirectory(join(root, "missing"), "working_dir")).rejects.toThrow(/ENOENT/);
	});
});

describe("resolveRayToken", () => {
	it("takes the option, else RAY_AUTH_TOKEN, else RAY_AUTH_TOKEN_PATH's file, else ~/.ray/auth_token", async () => {
		const home = join(root, "home");
		await mkdir(join(home, ".ray"), { recursive: true });
		await writeFile(join(home, ".ray", "auth_token"), "from-home\n");
		await writeFile(join(root, "token-file"), "  from-path\n");
		const path = join(root, "token-file");
		expect(resolveRayToken(" opt ", { RAY_AUTH_TOKEN: "env" }, home)).toEqual({
			token: "opt",
			source: "option",
		});
		expect(
			resolveRayToken(undefined, { RAY_AUTH_TOKEN: "env", RAY_AUTH_TOKEN_PATH: path }, home),
		).toEqual({ token: "env", source: "RAY_AUTH_TOKEN" });
		expect(resolveRayToken(undefined, { RAY_AUTH_TOKEN_PATH: path }, home)).toEqual({
			token: "from-path",
			source: "RAY_AUTH_TOKEN_PATH",
		});
		expect(resolveRayToken(undefined, {}, home)).toEqual({
			token: "from-home",
			source: "~/.ray/auth_token",
		});
		expect(resolveRayToken(undefined, {}, join(root, "nobody"))).toBeUndefined();
	});

	it("refuses a RAY_AUTH_TOKEN_PATH that cannot be read, naming it", () => {
		const path = join(root, "no-such-token");
		expect(() => resolveRayToken(undefined, { RAY_AUTH_TOKEN_PATH: path }, root)).toThrow(
			expect.objectContaining({
				code: "CURATOR_INVALID_CONFIG",
				message: `xenna-bridge: RAY_AUTH_TOKEN_PATH names ${path}, which cannot be read or is empty`,
			}),
		);
	});
});

describe("RayJobsClient without a cluster", () => {
	it("the default transport sends no header that makes Ray's dashboard take it for a browser", async () => {
		let seen: IncomingHttpHeaders = {};
		const server = createServer((req, res) => {
			seen = req.headers;
			req.resume();
			req.on("end", () => res.end('{"submission_id":"s1"}'));
		});
		await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
		try {
			const { port } = server.address() as AddressInfo;
			const client = new RayJobsClient({ address: `127.0.0.1:${port}`, token: "t0k" });
			expect(await client.submitJob({ entrypoint: "true" })).toBe("s1");
		} finally {
			server.close();
		}
		expect(seen.authorization).toBe("Bearer t0k");
		const browserish = Object.keys(seen).filter((h) => /^(sec-fetch-|origin$|referer$)/.test(h));
		expect(browserish).toEqual([]);
		expect(seen["user-agent"] ?? "").not.toMatch(/^Mozilla/);
	});

	it("asks again while the head node's job agent is not up (three times), and only then", async () => {
		const answers = [
			[500, "No available agent to submit job, please try again later."],
			[500, "No available agent to submit job, please try again later."],
			[200, '{"submission_id":"s3"}'],
			[500, "Traceback (most recent call last):\nValueError: bad runtime_env"],
		] as const;
		let posts = 0;
		const server = createServer((req, res) => {
			const [status, text] = answers[posts++] ?? [500, "no more answers"];
			req.resume();
			req.on("end", () => {
				res.statusCode = status;
				res.end(text);
			});
		});
		await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
		try {
			const { port } = server.address() as AddressInfo;
			const client = new RayJobsClient({ address: `http://127.0.0.1:${port}`, token: "t" });
			expect(await client.submitJob({ entrypoint: "true" })).toBe("s3");
			expect(posts).toBe(3);
			await expect(client.submitJob({ entrypoint: "true" })).rejects.toMatchObject({
				status: 500,
				reason: "HTTP 500: ValueError: bad runtime_env",
			});
			expect(posts, "another failure is not asked again").toBe(4);
		} finally {
			server.close();
		}
	});

	it("an address with nothing listening fails with CURATOR_RAY_JOBS: no Ray dashboard there", async () => {
		expect.assertions(2);
		const address = `http://127.0.0.1:${await freePort()}`;
		const client = new RayJobsClient({ address, token: "x" });
		try {
			await client.jobInfo("raysubmit_x");
		} catch (error) {
			expect(error).toBeInstanceOf(RayJobsError);
			expect(error).toMatchObject({
				code: "CURATOR_RAY_JOBS",
				message: `xenna-bridge: Ray Jobs API at ${address}, GET /api/jobs/raysubmit_x: no Ray dashboard at ${address} (connection refused): check the address and port (the dashboard listens on 8265 by default) and that the cluster is up`,
			});
		}
	});

	it("refuses a runtimeEnv package that is a local path before sending anything", async () => {
		let requests = 0;
		const client = new RayJobsClient({
			address: "http://127.0.0.1:9",
			token: "x",
			fetch: (url, init) => {
				requests++;
				return nodeHttpFetch(url, init);
			},
		});
		await expect(
			client.submitJob({ entrypoint: "true", runtimeEnv: { pyModules: ["./python"] } }),
		).rejects.toThrow(
			'xenna-bridge: runtimeEnv.pyModules[0] must be a package URI from ensurePackage, got "./python"',
		);
		expect(requests).toBe(0);
	});

	it("refuses an address that is not the dashboard's HTTP address", () => {
		expect(() => new RayJobsClient({ address: "ray://10.0.0.5:10001", token: "x" })).toThrow(
			/ray:\/\/10\.0\.0\.5:10001 is not a Ray dashboard address/,
		);
	});
});
