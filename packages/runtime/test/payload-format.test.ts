import { serialize } from "node:v8";
import { CuratorError, ErrorCodes } from "@curator/core";
import { describe, expect, it } from "vitest";
import { decodeTasks, encodeTasks, packTasks } from "../src/codec.ts";
import { payloadVersion, TASKS_FORMAT_VERSION } from "../src/payload-format.ts";
import { WordsTask } from "./fixtures/stages.ts";

function words(id: string): WordsTask {
	const task = new WordsTask({ datasetName: "d", data: ["a"], metadata: {} });
	task.taskId = id;
	return task;
}

async function decodeFailure(bytes: Uint8Array): Promise<CuratorError> {
	const error = await decodeTasks(bytes).catch((caught: unknown) => caught);
	expect(error).toBeInstanceOf(CuratorError);
	return error as CuratorError;
}

describe("the task payload format version", () => {
	it("opens every encoded batch with the format header and version", () => {
		const bytes = encodeTasks([words("0_0"), words("0_1")]);
		expect([...bytes.subarray(0, 4)]).toEqual([0x43, 0x54, 0x42, TASKS_FORMAT_VERSION]);
		expect(payloadVersion(bytes)).toBe(1);
	});

	it("rejects a payload of another version, naming both versions", async () => {
		expect.assertions(3);
		const bytes = encodeTasks([words("0_0")]);
		bytes[3] = 7;
		const error = await decodeFailure(bytes);
		expect(error.code).toBe(ErrorCodes.protocol);
		expect(error.message).toBe(
			"a task payload is of format version 7; this runtime reads task payloads of format version 1 only",
		);
	});

	it("rejects a payload without the header (a runtime's before format versions)", async () => {
		expect.assertions(2);
		const error = await decodeFailure(serialize(packTasks([words("0_0")])));
		expect(error.message).toMatch(
			/^a task payload has no format header; .* format version 1 only$/,
		);
	});

	it("rejects a payload too short to hold the header", async () => {
		expect.assertions(2);
		expect((await decodeFailure(new Uint8Array([0x43, 0x54]))).code).toBe(ErrorCodes.protocol);
	});
});
