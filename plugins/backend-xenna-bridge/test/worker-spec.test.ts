import { describe, expect, it } from "vitest";
import { workerSpec } from "../src/ship/worker.ts";

describe("workerSpec", () => {
	const entry = "/srv/app/node_modules/@curator/backend-xenna-bridge/dist/worker-host.js";

	it("hands this process's type-stripping flags to the worker in NODE_OPTIONS", () => {
		const flags = ["--experimental-strip-types", "--disable-warning=ExperimentalWarning"];
		const spec = workerSpec(entry, flags);
		expect(spec.entry).toBe(entry);
		expect(spec.env.NODE_OPTIONS?.split(" ").slice(-2)).toEqual(flags);
	});

	it("adds nothing to the environment when this process needs no flag to strip types", () => {
		expect(workerSpec(entry, [])).toEqual({ node: process.execPath, entry, env: {} });
	});
});
