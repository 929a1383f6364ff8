import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
	decodeMessage,
	driverMessageTypes,
	encodeMessage,
	executorMessageTypes,
} from "../src/index.ts";

interface Golden {
	name: string;
	type: string;
	from: "executor" | "driver" | "actor";
	frames: string[];
	envelope: Record<string, unknown>;
}

const dir = new URL("../wire/golden/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8")) as {
	session: string;
	messages: Golden[];
};
const everyType = [...executorMessageTypes, ...driverMessageTypes];
const hex = (frames: readonly Uint8Array[]) => frames.map((f) => Buffer.from(f).toString("hex"));
// Link C's actor events travel between two Python processes: this side never sees them.
const executorSeen = manifest.messages.filter((m) => m.from !== "actor");

describe("executor <-> driver golden messages (wire/executor-driver.md)", () => {
	it("has a golden message for every type either side sends", () => {
		const sent = (from: string) =>
			manifest.messages.filter((m) => m.from === from).map((m) => m.type);
		expect(new Set(sent("executor"))).toEqual(new Set(executorMessageTypes));
		expect(new Set(sent("driver"))).toEqual(new Set(driverMessageTypes));
	});

	it.each(executorSeen.map((m) => [m.name, m] as const))(
		"%s: decodes to the manifest's fields and re-encodes byte for byte",
		(_name, golden) => {
			const frames = golden.frames.map((file) => readFileSync(new URL(file, dir)));
			const message = decodeMessage(frames, manifest.session, everyType, 1 << 20);
			const { v, session, type, id, parts, ...fields } = golden.envelope;
			expect([v, session, parts ?? 0]).toEqual([1, manifest.session, frames.length - 1]);
			expect({ ...message, parts: hex(message.parts) }).toEqual({
				type,
				id,
				fields,
				parts: hex(frames.slice(1)),
			});
			const again = encodeMessage(
				manifest.session,
				message.type,
				message.id,
				message.fields,
				message.parts,
			);
			expect(hex(again)).toEqual(hex(frames));
		},
	);
});
