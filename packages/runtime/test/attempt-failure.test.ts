import { ErrorCodes } from "@curator/core";
import { describe, expect, it } from "vitest";
import { attemptFailure } from "../src/attempt-failure.ts";
import { SpillError } from "../src/spill/index.ts";
import { TimeLimitExceeded } from "../src/time-limit.ts";
import { WorkerCrashError, WorkerRequestError } from "../src/worker-handle.ts";

const call = {
	label: "A+B",
	firstStage: "A",
	ignoreFailures: false,
	numRunAttempts: 2,
	processTimeoutS: 0.3,
};
const exit = { code: 70, signal: null, cause: "exit code 70", expected: false };

describe("attemptFailure", () => {
	it("retries a batch whose worker died, charging it only when it was the one being served", () => {
		// Which stage of the fused chain it died in is unknown: the batch's tasks are the first's inputs.
		const failure = attemptFailure(new WorkerCrashError("w-1", exit, true), "w-1", call, undefined);
		expect(failure).toMatchObject({
			retry: true,
			charged: true,
			stage: "A",
			exitCause: "exit code 70",
		});
		expect(failure.reason).toBe("worker w-1 (running A+B) exit code 70");
		expect(String(failure.cause)).toContain("(running A+B)");
		expect(
			attemptFailure(new WorkerCrashError("w-1", exit, false), "w-1", call, undefined).charged,
		).toBe(false);
	});

	it("retries a batch past its time limit, naming the limit", () => {
		const failure = attemptFailure(new TimeLimitExceeded(0.3), "w-2", call, undefined);
		expect(failure.retry).toBe(true);
		expect(failure.stage).toBe("A");
		expect(failure.exitCause).toContain("0.3 s");
		expect(String(failure.cause)).toContain("time limit of 0.3 s");
		expect(String(failure.cause)).toContain("worker w-2 was killed");
	});

	it("retries what a stage threw, with the stage and task ids it names, but not errors of the run", () => {
		const thrown = new WorkerRequestError({
			message: "boom",
			code: ErrorCodes.stageFailed,
			stage: "B",
			taskIds: ["0_1"],
		});
		expect(attemptFailure(thrown, "w-3", call, undefined)).toMatchObject({
			retry: true,
			stage: "B",
			taskIds: ["0_1"],
		});
		const protocol = new WorkerRequestError({ message: "bad", code: ErrorCodes.protocol });
		expect(attemptFailure(protocol, "w-3", call, undefined).retry).toBe(false);
	});

	it("throws what is not a batch's failure: a spill failure and anything else", () => {
		const spill = new WorkerRequestError({ message: "full", code: ErrorCodes.spillFailed });
		expect(() => attemptFailure(spill, "w-4", call, "/spill")).toThrow(SpillError);
		const other = new Error("other");
		expect(() => attemptFailure(other, "w-4", call, undefined)).toThrow(other);
	});
});
