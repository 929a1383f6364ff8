import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
	deferTurbofan,
	type JitSettings,
	shouldDeferTurbofan,
	WORKER_TURBOFAN_INVOCATIONS,
} from "../src/jit.ts";

const plain: JitSettings = {
	execArgv: [],
	nodeOptions: undefined,
	v8Version: "13.6.233.17-node.40",
};

describe("deferring Turbofan in a worker process", () => {
	it("raises V8's Turbofan threshold once, with one flag", () => {
		const set: string[] = [];
		expect(deferTurbofan(plain, (flags) => set.push(flags))).toBe(true);
		expect(set).toEqual([`--invocation-count-for-turbofan=${WORKER_TURBOFAN_INVOCATIONS}`]);
		expect(WORKER_TURBOFAN_INVOCATIONS).toBeGreaterThan(3000);
	});

	it("leaves a threshold the user set, in the worker's flags or in NODE_OPTIONS", () => {
		const set: string[] = [];
		const own = { ...plain, execArgv: ["--invocation-count-for-turbofan=500"] };
		const fromEnv = {
			...plain,
			nodeOptions: "--invocation-count-for-turbofan=500 --trace-warnings",
		};
		expect(deferTurbofan(own, (flags) => set.push(flags))).toBe(false);
		expect(deferTurbofan(fromEnv, (flags) => set.push(flags))).toBe(false);
		expect(set).toEqual([]);
	});

	it("changes nothing on a V8 older than the flag, or one it cannot read", () => {
		expect(shouldDeferTurbofan({ ...plain, v8Version: "11.3.244.8-node.19" })).toBe(false);
		expect(shouldDeferTurbofan({ ...plain, v8Version: "" })).toBe(false);
		expect(shouldDeferTurbofan({ ...plain, v8Version: "12.4.254.21-node.33" })).toBe(true);
	});

	it("uses a flag this Node's V8 knows (it prints an error for an unknown one)", () => {
		expect(shouldDeferTurbofan({ ...plain, v8Version: process.versions.v8 })).toBe(true);
		const script = `const { setFlagsFromString } = require("node:v8");
			require(${JSON.stringify(new URL("../src/jit.ts", import.meta.url).pathname)}).deferTurbofan();
			setFlagsFromString("--no-such-flag-for-this-test");`;
		const child = spawnSync(process.execPath, ["-e", script], {
			encoding: "utf8",
			timeout: 30_000,
		});
		// Only the made-up flag is refused: the check sees V8's message for unknown flags.
		expect(`${child.stdout}${child.stderr}`.match(/unrecognized flag.*/g)).toEqual([
			"unrecognized flag --no-such-flag-for-this-test",
		]);
	});
});
