import { LocalExecutor } from "@curator/backend-local";
import { describe, expect, it } from "vitest";
import {
	type ConformanceOptions,
	conformanceDefaults,
	describeBackendConformance,
	resolveConformanceOptions,
} from "../src/index.ts";

describe("conformance options", () => {
	it("applies the defaults", () => {
		const resolved = resolveConformanceOptions({});
		expect(resolved.timeoutMs).toBe(conformanceDefaults.timeoutMs);
		expect(resolved.reapTimeoutMs).toBe(conformanceDefaults.reapTimeoutMs);
		expect(resolved.tempDir.length).toBeGreaterThan(0);
	});

	it("keeps the knobs it is given", () => {
		expect(resolveConformanceOptions({ timeoutMs: 5, tempDir: "/x", reapTimeoutMs: 7 })).toEqual({
			timeoutMs: 5,
			tempDir: "/x",
			reapTimeoutMs: 7,
		});
	});

	it("throws on an unknown key, naming it", () => {
		expect(() => resolveConformanceOptions({ multiNode: false })).toThrow(
			/conformance: unknown option "multiNode" \(known options: timeoutMs, tempDir, reapTimeoutMs\)/,
		);
	});

	it("throws on a bad value, naming the option", () => {
		expect(() => resolveConformanceOptions({ timeoutMs: -1 })).toThrow(/option "timeoutMs"/);
		expect(() => resolveConformanceOptions({ tempDir: "" })).toThrow(/option "tempDir"/);
		expect(() => resolveConformanceOptions(null)).toThrow(/options must be an object/);
	});

	it("makes describeBackendConformance throw before registering anything", () => {
		const options = { skip: ["abort"] } as unknown as ConformanceOptions;
		expect(() => describeBackendConformance("x", () => new LocalExecutor(), options)).toThrow(
			/unknown option "skip"/,
		);
	});
});
