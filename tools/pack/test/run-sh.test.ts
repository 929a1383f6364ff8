import { execFileSync } from "node:child_process";
import {
	chmodSync,
	copyFileSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../src/packages.ts";

/**
 * `tools/run.sh demo` in a copy of the script whose npm, npx and node are
 * stand-ins: each records its arguments and, like the real tools, prints to
 * stdout (`node` prints the demo's JSON report).
 */
const root = mkdtempSync(join(tmpdir(), "curator-run-sh-"));
const bin = join(root, "bin");
const calls = join(root, "calls.log");
afterAll(() => rmSync(root, { recursive: true, force: true }));

function standIn(name: string, stdout: string): void {
	const script = `#!/bin/sh\nmkdir -p node_modules\necho "${name} $*" >> "${calls}"\nprintf '%s\\n' '${stdout}'\n`;
	writeFileSync(join(bin, name), script);
	chmodSync(join(bin, name), 0o755);
}

mkdirSync(join(root, "tools"), { recursive: true });
mkdirSync(bin);
copyFileSync(join(repoRoot, "tools", "run.sh"), join(root, "tools", "run.sh"));
const lock = '{"lockfileVersion":3}\n';
writeFileSync(join(root, "package-lock.json"), lock);
standIn("npm", "added 239 packages in 7s");
standIn("npx", "NX   Successfully ran target build");
standIn("node", '{"pipeline":"demo","ok":true}');

function demo(): string {
	return execFileSync("bash", [join(root, "tools", "run.sh"), "demo", "--json"], {
		encoding: "utf8",
		env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CURATOR_IN_NODE_ENV: "1" },
		stdio: ["ignore", "pipe", "ignore"],
	});
}

describe("tools/run.sh demo", () => {
	it("installs with npm ci (the lock file as it is) and prints only the demo's JSON on stdout", () => {
		const stdout = demo();
		expect(JSON.parse(stdout)).toEqual({ pipeline: "demo", ok: true });
		const log = readFileSync(calls, "utf8").trim().split("\n");
		expect(log[0]).toMatch(/^npm ci /);
		expect(log.filter((line) => line.startsWith("npm install"))).toEqual([]);
		expect(log.at(-1)).toBe("node packages/cli/dist/bin.js run demo --json");
		expect(readFileSync(join(root, "package-lock.json"), "utf8")).toBe(lock);
	});

	it("does not install again while the lock file is older than the last install", () => {
		writeFileSync(calls, "");
		expect(JSON.parse(demo())).toEqual({ pipeline: "demo", ok: true });
		const log = readFileSync(calls, "utf8").trim().split("\n");
		expect(log.filter((line) => line.startsWith("npm "))).toEqual([]);
	});
});
