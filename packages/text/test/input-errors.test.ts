import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BaseStageAdapter, consumeStageMetrics, type Logger, silentLogger } from "@curator/core";
import { describe, expect, it } from "vitest";
import {
	type DocumentBatch,
	type FileGroupTask,
	InputReadError,
	JsonlReaderStage,
	readLineChunks,
} from "../src/index.ts";
import { groupOf as filesGroup, tempDir } from "./helpers.ts";

const line = (id: string, text: string): string => JSON.stringify({ id, text });

async function fileOf(name: string, body: string | Buffer): Promise<string> {
	const path = join(await tempDir(), name);
	await writeFile(path, body);
	return path;
}

function groupOf(...files: string[]): FileGroupTask {
	const task = filesGroup(...files);
	task.taskId = `t${files.length}`;
	return task;
}

function read(file: string): Promise<unknown> {
	return new JsonlReaderStage().process(groupOf(file));
}

describe("JsonlReaderStage on damaged input", () => {
	it("names the file and the line reached when a .gz is truncated", async () => {
		expect.assertions(4);
		const lines = Array.from({ length: 5000 }, (_, i) => line(String(i), `document ${i}`));
		const whole = gzipSync(`${lines.join("\n")}\n`);
		const file = await fileOf("cut.jsonl.gz", whole.subarray(0, whole.length - 64));
		try {
			await read(file);
		} catch (error) {
			expect(error).toBeInstanceOf(InputReadError);
			const e = error as InputReadError;
			expect(e.file).toBe(file);
			expect(e.line, "lines were read before the cut").toBeGreaterThan(1);
			expect(e.message).toBe(
				`cannot read ${file} at line ${e.line}: unexpected end of file (corrupt or truncated gzip data)`,
			);
		}
	});

	it("names the file of a .gz that is not gzip data, and of a missing .gz", async () => {
		const corrupt = await fileOf("plain.jsonl.gz", `${line("1", "one")}\n`);
		await expect(read(corrupt)).rejects.toThrow(
			`cannot read ${corrupt} at line 1: incorrect header check (corrupt or truncated gzip data)`,
		);
		// Before, the missing file's error never reached the gunzip stream: the read hung.
		const missing = join(await tempDir(), "gone.jsonl.gz");
		await expect(read(missing)).rejects.toThrow(
			new RegExp(`^cannot read ${missing} at line 1: ENOENT`),
		);
	});

	it("accepts and strips a UTF-8 byte order mark at the start of a file", async () => {
		const body = `\ufeff${line("1", "one")}\n${line("2", "two")}\n`;
		const plain = await fileOf("bom.jsonl", body);
		const gz = await fileOf("bom.jsonl.gz", gzipSync(body));
		const batch = (await new JsonlReaderStage().process(groupOf(plain, gz))) as DocumentBatch;
		expect(batch.data.id).toEqual(["1", "2", "1", "2"]);
	});

	it("counts lines with invalid UTF-8 in a metric and warns once per worker", async () => {
		const bad = (id: string) =>
			Buffer.concat([
				Buffer.from(`{"id":"${id}","text":"caf`),
				Buffer.from([0xe9]),
				Buffer.from('"}\n'),
			]);
		const body = Buffer.concat([
			Buffer.from(`${line("1", "ok")}\n`),
			bad("2"),
			Buffer.from(`${line("3", "a real \ufffd is fine")}\n`),
			bad("4"),
		]);
		const file = await fileOf("latin1.jsonl", body);
		const warnings: { fields: object; message: string | undefined }[] = [];
		const logger: Logger = {
			...silentLogger,
			warn: (fields: object | string, message?: string) => {
				if (typeof fields !== "string") warnings.push({ fields, message });
			},
		};
		const adapter = new BaseStageAdapter(new JsonlReaderStage()).useLogger(logger);
		const first = await adapter.processBatchWithStats([groupOf(file)]);
		const second = await adapter.processBatchWithStats([groupOf(file, file)]);
		expect((first.tasks[0] as DocumentBatch).data.text).toEqual([
			"ok",
			"caf\ufffd",
			"a real \ufffd is fine",
			"caf\ufffd",
		]);
		expect(first.perf.customMetrics).toEqual({ records: 4, invalidUtf8Lines: 2 });
		expect(second.perf.customMetrics).toEqual({ records: 8, invalidUtf8Lines: 4 });
		expect(warnings).toHaveLength(1);
		expect(warnings[0]?.fields).toEqual({ file, line: 2 });
		expect(warnings[0]?.message).toContain(`${file} line 2 is not valid UTF-8`);
	});

	it("does not count a file of valid UTF-8 whose characters straddle read chunks", async () => {
		const text = "é€😀".repeat(50);
		const file = await fileOf("multi.jsonl", `${line("1", text)}\n${line("2", text)}`);
		const chunks = [];
		for await (const chunk of readLineChunks(file, 7)) chunks.push(chunk);
		expect(chunks.flatMap((c) => c.invalidUtf8)).toEqual([]);
		expect(chunks.flatMap((c) => c.lines).map((l) => JSON.parse(l).text)).toEqual([text, text]);
		expect(chunks.map((c) => c.firstLine)).toEqual([1, 2]);
		const stage = new JsonlReaderStage();
		await stage.process(groupOf(file));
		expect(consumeStageMetrics(stage)).toEqual({ records: 2 });
	});
});
