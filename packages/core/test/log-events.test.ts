import { describe, expect, it } from "vitest";
import {
	BaseExecutor,
	type ExecutionContext,
	type Logger,
	type ProcessingStage,
	type RunEvent,
	type Task,
} from "../src/index.ts";
import { DoubleStage, numbers } from "./fixtures.ts";

/** Reports one `log` event, then passes its tasks through. */
class LoggingExecutor extends BaseExecutor {
	constructor(logger: Logger) {
		super(
			{ logger },
			{
				backend: "logging",
				supports: {
					multiNode: false,
					processIsolation: false,
					abort: true,
					retries: false,
					streaming: false,
					ignoreFailures: false,
				},
			},
		);
	}
	protected override async executeStages(
		_s: ProcessingStage[],
		tasks: Task[],
		c: ExecutionContext,
	) {
		c.emit({
			type: "log",
			level: "warn",
			message: "a record",
			stage: "S",
			workerId: "w1",
			fields: { rows: 3 },
		});
		return tasks;
	}
}

describe("log events", () => {
	it("reach the run's logger once, with their stage, worker and fields, and the listener", async () => {
		const records: unknown[][] = [];
		const record =
			(level: string) =>
			(...args: unknown[]) =>
				records.push([level, ...args]);
		const logger: Logger = {
			debug: record("debug"),
			info: record("info"),
			warn: record("warn"),
			error: record("error"),
			child: () => logger,
		};
		const events: RunEvent[] = [];
		await new LoggingExecutor(logger).run([new DoubleStage()], numbers([1]), {
			onEvent: (e) => events.push(e),
		});
		expect(records).toEqual([["warn", { rows: 3, stage: "S", workerId: "w1" }, "a record"]]);
		expect(events.filter((e) => e.type === "log")).toHaveLength(1);
	});
});
