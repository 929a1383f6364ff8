/**
 * Writes the golden messages of the two ZeroMQ wires: one file per frame and
 * a manifest per wire (see each wire's schema document). Run from the
 * repository root after changing a wire, then run both wire test suites:
 *
 *     tools/env/with-node.sh node tools/wire-golden/generate.ts
 *
 * Messages a TypeScript side sends are encoded with its encoder; the actor's
 * worker-host requests with the envelope order Python's `encode_request`
 * writes. The tests of both languages then prove their codecs reproduce the
 * files byte for byte.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Packr } from "msgpackr";
import type { HostMessage } from "../../packages/runtime/src/protocol.ts";
import { encodeHostFrames } from "../../plugins/backend-xenna-bridge/src/host/zmq-frames.ts";
import { encodeMessage, type WireType } from "../../plugins/backend-xenna-bridge/src/wire.ts";
import { type HostGolden, hostMessages, linkMessages } from "./messages.ts";

/** The session key of every golden message (64 hex digits, like a real one). */
export const GOLDEN_SESSION = "0123456789abcdef".repeat(4);

const bytesOf = (text: string) => new TextEncoder().encode(text);
const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

function writeFrames(dir: string, name: string, frames: readonly Uint8Array[]): string[] {
	return frames.map((frame, index) => {
		const file = `${name}.${index}.bin`;
		writeFileSync(join(dir, file), frame);
		return file;
	});
}

function freshDir(dir: string): string {
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	return dir;
}

function writeManifest(dir: string, wire: string, messages: unknown[]): void {
	const manifest = { wire, version: 1, session: GOLDEN_SESSION, messages };
	writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, "\t")}\n`);
}

function executorDriver(dir: string): void {
	const messages = linkMessages.map(({ name, type, from, id, fields, parts }) => {
		const payloads = parts.map(bytesOf);
		const frames = encodeMessage(GOLDEN_SESSION, type as WireType, id, fields, payloads);
		const envelope = packr.unpack(frames[0] as Uint8Array);
		return { name, type, from, frames: writeFrames(dir, name, frames), envelope };
	});
	writeManifest(dir, "executor-driver", messages);
}

/** The actor's request frames, in the envelope order Python writes (session second, parts last). */
function requestFrames({ envelope, parts, single }: HostGolden): Uint8Array[] {
	const { v, id, ...rest } = envelope;
	const head: Record<string, unknown> = { v, session: GOLDEN_SESSION, id, ...rest };
	if (parts !== undefined) head.parts = parts.length;
	const body = parts ?? (single === undefined ? [] : [single]);
	return [packr.pack(head), ...body.map(bytesOf)];
}

function replyFrames({ envelope, parts }: HostGolden): Uint8Array[] {
	const message = { ...envelope, ...(parts ? { payloads: parts.map(bytesOf) } : {}) };
	return encodeHostFrames(message as HostMessage, GOLDEN_SESSION);
}

function workerHost(dir: string): void {
	const messages = hostMessages.map((golden) => {
		const frames = golden.from === "actor" ? requestFrames(golden) : replyFrames(golden);
		const envelope = packr.unpack(frames[0] as Uint8Array);
		const { name, from } = golden;
		return { name, type: envelope.type, from, frames: writeFrames(dir, name, frames), envelope };
	});
	writeManifest(dir, "worker-host", messages);
}

const linkDir = "plugins/backend-xenna-bridge/wire/golden";
const hostDir = "plugins/backend-xenna-bridge/wire/host-golden";
executorDriver(freshDir(linkDir));
workerHost(freshDir(hostDir));
// The manifests in the repository's JSON style (biome's), so a regeneration diffs cleanly.
execFileSync("node_modules/.bin/biome", ["format", "--write", linkDir, hostDir], {
	stdio: "ignore",
});
