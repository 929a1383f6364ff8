import { MultiplyStage, numbersTasks } from "@curator/conformance/fixtures";
import { Pipeline } from "@curator/core";
import { describe, expect, it } from "vitest";
import { skipped, skipReason, testExecutor } from "./bridge-env.ts";
import { recordingLogger } from "./helpers.ts";

describe.skipIf(skipReason !== "")(`CURVE on a non-loopback bind address${skipped}`, () => {
	it("the run is encrypted end to end, and a client without the keys cannot get a message in", async () => {
		const logger = recordingLogger();
		const pipeline = new Pipeline({ name: "curve", stages: [new MultiplyStage({ factor: 5 })] });
		const run = pipeline.run(
			testExecutor({ bindHost: "0.0.0.0", logger }),
			numbersTasks([1], [2]),
			{
				onEvent: (event) => {
					if (event.type === "stage:start") void plainTextProbe(logger);
				},
			},
		);
		const result = await run;
		expect(result.tasks.map((t) => [t.taskId, t.data])).toEqual([
			["0_0_0", [5]],
			["0_1_0", [10]],
		]);
		const ready = logger.records.find((r) => r.message === "xenna-bridge: driver ready");
		expect(ready?.fields).toMatchObject({ encrypted: true });
		expect(probes.length, "the plain-text client connected").toBe(1);
		// Without CURVE this message would arrive and be logged as rejected (see faults.test.ts).
		expect(logger.records.filter((r) => r.message.includes("rejected a message"))).toEqual([]);
	});
});

const probes: string[] = [];

/** Connects without CURVE to the executor's port and sends a message. */
async function plainTextProbe(logger: ReturnType<typeof recordingLogger>): Promise<void> {
	const ready = logger.records.find((r) => r.message === "xenna-bridge: driver ready");
	const endpoint = endpointOf(ready);
	if (endpoint === undefined || probes.length > 0) return;
	probes.push(endpoint);
	const { Dealer } = await import("zeromq");
	const { encodeMessage } = await import("../src/wire.ts");
	const plain = new Dealer({ linger: 0 });
	plain.connect(endpoint);
	await plain.send(encodeMessage("guess", "done", 1));
	await new Promise((resolve) => setTimeout(resolve, 300));
	plain.close();
}

function endpointOf(record: { fields: object } | undefined): string | undefined {
	const endpoint = (record?.fields as { endpoint?: unknown } | undefined)?.endpoint;
	return typeof endpoint === "string" ? endpoint : undefined;
}
