import type { ExecutionContext, Logger, RunEvent, TaskFailure } from "@curator/core";
import { backendName, type DriverErrorFields, driverError, XennaDriverError } from "./errors.ts";
import type { WireMessage } from "./wire.ts";

interface TaskRef {
	id: string;
	numItems: number;
}

const forwarded = new Set<RunEvent["type"]>([
	"stage:start",
	"stage:end",
	"worker:start",
	"worker:exit",
	"batch:done",
	"retry",
]);

/** Handles one message of a run; returns how the run ended when it did. */
export function onMessage(
	message: WireMessage,
	payloads: Uint8Array[],
	context: ExecutionContext,
	logger: Logger,
): { error?: Error; reusable: boolean } | undefined {
	const reusable = message.fields.reusable === true;
	switch (message.type) {
		case "event":
			for (const event of (message.fields.events as unknown[] | undefined) ?? []) {
				onEvent(event, context, logger);
			}
			return undefined;
		case "output": {
			const refs = (message.fields.tasks as TaskRef[] | undefined) ?? [];
			if (refs.length !== message.parts.length) {
				const problem = `an output message lists ${refs.length} tasks but carries ${message.parts.length}`;
				return { error: new XennaDriverError(problem), reusable: false };
			}
			payloads.push(...message.parts);
			return undefined;
		}
		case "done":
			return { reusable };
		case "error": {
			const fields = (message.fields.error ?? {}) as DriverErrorFields;
			if (fields.code === "CURATOR_PROTOCOL") {
				logger.warn(
					{ replyTo: message.fields.replyTo },
					`${backendName}: the driver rejected a message: ${fields.message}`,
				);
				return undefined;
			}
			return { error: driverError(fields), reusable };
		}
		default:
			logger.warn(`${backendName}: ignored a ${message.type} message`);
			return undefined;
	}
}

function onEvent(raw: unknown, context: ExecutionContext, logger: Logger): void {
	if (typeof raw !== "object" || raw === null) return;
	const event = raw as { type?: unknown } & Record<string, unknown>;
	if (event.type === "log") {
		const level =
			(["debug", "info", "warn", "error"] as const).find((l) => l === event.level) ?? "info";
		const message = String(event.message ?? "");
		const stage = typeof event.stage === "string" ? event.stage : undefined;
		const workerId = typeof event.workerId === "string" ? event.workerId : undefined;
		const where = {
			...(stage === undefined ? {} : { stage }),
			...(workerId === undefined ? {} : { workerId }),
		};
		const fields = event.fields as Record<string, unknown> | undefined;
		// The run's logger gets the record from the event (see BaseExecutor.run).
		context.emit({
			type: "log",
			level,
			message,
			...where,
			...(fields === undefined ? {} : { fields }),
		});
		return;
	}
	if (event.type === "task:failed") {
		const failure = event.failure as TaskFailure;
		logger.warn(
			{ stage: failure.stage, taskIds: failure.taskIds },
			`${backendName}: tasks dropped: ${failure.error}`,
		);
		context.recordFailure(failure);
		return;
	}
	if (typeof event.type === "string" && forwarded.has(event.type as RunEvent["type"])) {
		context.emit(event as unknown as RunEvent);
	}
}
