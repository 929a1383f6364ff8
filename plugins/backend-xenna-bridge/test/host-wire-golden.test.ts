import { readFileSync } from "node:fs";
import type { HostMessage } from "@curator/runtime/host";
import { describe, expect, it } from "vitest";
import { decodeHostFrames, encodeHostFrames } from "../src/host/zmq-frames.ts";

interface Golden {
	name: string;
	type: string;
	from: "actor" | "host";
	frames: string[];
	envelope: Record<string, unknown>;
}

const dir = new URL("../wire/host-golden/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8")) as {
	session: string;
	messages: Golden[];
};
const hex = (bytes: unknown) =>
	bytes instanceof Uint8Array ? Buffer.from(bytes).toString("hex") : bytes;
const hexAll = (frames: readonly unknown[]) => frames.map(hex);
const framesOf = (golden: Golden) => golden.frames.map((file) => readFileSync(new URL(file, dir)));

/** The decoded value the manifest describes: its envelope, byte frames in their fields. */
function expected(golden: Golden, frames: Uint8Array[]): Record<string, unknown> {
	const { parts, ...envelope } = golden.envelope;
	const [, body] = frames;
	if (parts !== undefined) return { ...envelope, payloads: hexAll(frames.slice(1)) };
	if (body === undefined) return envelope;
	return { ...envelope, [golden.type === "init" ? "stage" : "payload"]: hex(body) };
}

function readable(message: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = { ...message };
	for (const key of ["stage", "payload"]) if (key in out) out[key] = hex(out[key]);
	if (Array.isArray(out.payloads)) out.payloads = hexAll(out.payloads);
	return out;
}

describe("worker-host golden messages (wire/worker-host.md)", () => {
	it("has a golden message for every request and reply type", () => {
		const types = manifest.messages.map((m) => m.type);
		expect(new Set(types)).toEqual(
			new Set([
				"init",
				"setupOnNode",
				"setup",
				"process",
				"teardown",
				"shutdown",
				"ok",
				"error",
				"log",
			]),
		);
	});

	it.each(manifest.messages.map((m) => [m.name, m] as const))(
		"%s: decodes to the manifest's envelope and byte frames",
		(_name, golden) => {
			const frames = framesOf(golden);
			const message = decodeHostFrames(frames);
			expect(message === undefined ? undefined : readable(message)).toEqual(
				expected(golden, frames),
			);
		},
	);

	// The host sends replies and log records only; requests come from the actor (Python).
	it.each(manifest.messages.filter((m) => m.from === "host").map((m) => [m.name, m] as const))(
		"%s: re-encodes byte for byte",
		(_name, golden) => {
			const frames = framesOf(golden);
			const { session, ...message } = decodeHostFrames(frames) ?? {};
			expect(session).toBe(manifest.session);
			const again = encodeHostFrames(message as HostMessage, manifest.session);
			expect(hexAll(again)).toEqual(hexAll(frames));
		},
	);

	it("hands payload frames on as views of the received memory, not copies", () => {
		const head = encodeHostFrames(
			{ v: 1, id: 1, type: "ok", payloads: [new Uint8Array(0), new Uint8Array(0)] } as HostMessage,
			manifest.session,
		)[0] as Uint8Array;
		const received = [Buffer.from(head), Buffer.alloc(64, 1), Buffer.alloc(32, 2)];
		const message = decodeHostFrames(received) as { payloads: Uint8Array[] };
		for (const [index, payload] of message.payloads.entries()) {
			const frame = received[index + 1] as Buffer;
			expect(Buffer.isBuffer(payload), "a plain Uint8Array").toBe(false);
			expect([payload.buffer, payload.byteOffset, payload.byteLength]).toEqual([
				frame.buffer,
				frame.byteOffset,
				frame.byteLength,
			]);
		}
	});
});
