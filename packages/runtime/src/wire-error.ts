import { StageError } from "@curator/core";
import type { WireError } from "./protocol.ts";

/** Flattens an error into what crosses the process boundary. */
export function toWireError(error: unknown): WireError {
	if (error instanceof StageError) {
		const wire: WireError = {
			message: messageOf(error.cause),
			code: error.code,
			stage: error.stage,
		};
		wire.taskIds = [...error.taskIds];
		if (error.stack !== undefined) wire.stack = error.stack;
		return wire;
	}
	if (error instanceof Error) {
		const wire: WireError = { message: error.message };
		const code = (error as { code?: unknown }).code;
		if (typeof code === "string") wire.code = code;
		if (error.stack !== undefined) wire.stack = error.stack;
		return wire;
	}
	return { message: String(error) };
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
