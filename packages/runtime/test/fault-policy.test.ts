import { ErrorCodes, optionSchema, optionsProblem } from "@curator/core";
import { describe, expect, it } from "vitest";
import {
	faultOptionRules,
	faultPolicyDefaults,
	isRetriedErrorCode,
	resolveFaultPolicy,
	samePolicy,
} from "../src/planning/fault-policy.ts";

describe("resolveFaultPolicy", () => {
	it("takes each option from the stage, else the executor config, else the defaults", () => {
		const policy = resolveFaultPolicy(
			{ numRunAttempts: 5, processTimeoutS: 0.5 },
			{ numRunAttempts: 3, ignoreFailures: true, teardownTimeoutS: 4 },
		);
		expect(policy).toEqual({
			numRunAttempts: 5,
			numSetupAttempts: faultPolicyDefaults.numSetupAttempts,
			ignoreFailures: true,
			processTimeoutS: 0.5,
			teardownTimeoutS: 4,
		});
	});

	it("is the defaults when nothing is set: two attempts, no batch limit, 30 s of teardown", () => {
		expect(resolveFaultPolicy(undefined, undefined)).toEqual({
			numRunAttempts: 2,
			numSetupAttempts: 2,
			ignoreFailures: false,
			processTimeoutS: undefined,
			teardownTimeoutS: 30,
		});
	});

	it("compares resolved policies, so a stage repeating the config's value matches one leaving it unset", () => {
		const config = { numRunAttempts: 3 };
		const a = resolveFaultPolicy({ numRunAttempts: 3 }, config);
		const b = resolveFaultPolicy({}, config);
		expect(samePolicy(a, b)).toBe(true);
		expect(samePolicy(a, resolveFaultPolicy({ processTimeoutS: 1 }, config))).toBe(false);
	});
});

describe("faultOptionRules", () => {
	const schema = optionSchema(faultOptionRules);
	it.each([
		[{ numRunAttempts: 0 }, "numRunAttempts must be a whole number >= 1, got 0"],
		[{ numSetupAttempts: 1.5 }, "numSetupAttempts must be a whole number >= 1, got 1.5"],
		[{ processTimeoutS: 0 }, "processTimeoutS must be a number > 0, got 0"],
		[{ teardownTimeoutS: Infinity }, "teardownTimeoutS must be a number > 0, got Infinity"],
		[{ ignoreFailures: "yes" }, "ignoreFailures must be true or false"],
	])("names the bad option %j", (options, message) => {
		expect(optionsProblem(schema, options, "backend.x")).toBe(`backend.x.${message}`);
	});

	it("accepts good values", () => {
		expect(
			optionsProblem(schema, { numRunAttempts: 1, processTimeoutS: 0.3, ignoreFailures: true }),
		).toBeUndefined();
	});
});

describe("isRetriedErrorCode", () => {
	it("retries what a stage throws, not the errors of the run", () => {
		expect(isRetriedErrorCode(undefined)).toBe(true);
		expect(isRetriedErrorCode(ErrorCodes.stageFailed)).toBe(true);
		for (const code of [
			ErrorCodes.protocol,
			ErrorCodes.notPortable,
			ErrorCodes.runInWorker,
			ErrorCodes.spillFailed,
		]) {
			expect(isRetriedErrorCode(code), code).toBe(false);
		}
	});
});
