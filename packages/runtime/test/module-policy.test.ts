import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serialize } from "node:v8";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeStage, decodeTasks, encodeStage, encodeTasks, readBatch } from "../src/codec.ts";
import { specifierProblem } from "../src/module-policy.ts";
import { writeTaskPayload } from "../src/payload-format.ts";
import { type Isolation, WorkerHandle } from "../src/worker-handle.ts";
import { OtherTask } from "./fixtures/other-task.ts";
import { ShoutStage } from "./fixtures/stages.ts";

let dir = "";
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "curator-modules-"));
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

/** A `data:` module that writes `file` when imported. */
function dataModule(file: string): string {
	const code = `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(file)}, "pwned");`;
	return `data:text/javascript,${encodeURIComponent(code)}`;
}

/** Batch bytes that name `module` as the module of their task class. */
function craftedBatch(module: string): Uint8Array {
	return writeTaskPayload({ modules: [module], classes: [{ module, export: "Evil" }], tasks: [] });
}

describe("modules a process may import", () => {
	it("refuses a task batch naming a data: URL module, before importing it", async () => {
		const file = join(dir, "pwned");
		expect.assertions(2);
		await expect(decodeTasks(craftedBatch(dataModule(file)))).rejects.toMatchObject({
			code: "CURATOR_PROTOCOL",
			message: expect.stringMatching(
				/^refused to import module "data:text\/javascript,.*": it is neither a file: URL, a package name nor a place in a shipped package/,
			),
		});
		expect(existsSync(file)).toBe(false);
	});

	it.each([
		"http://127.0.0.1:9/evil.js",
		"https://example.invalid/evil.js",
		"node:fs",
		"./relative.js",
		"/absolute/evil.js",
		"blob:nodedata:1",
	])("refuses %s in a task batch", async (module) => {
		await expect(decodeTasks(craftedBatch(module))).rejects.toThrow(
			`refused to import module ${JSON.stringify(module)}: it is neither a file: URL, a package name nor a place in a shipped package`,
		);
	});

	it.each([
		"curator-app:",
		"curator-app:../outside.js",
		"curator-app:lib/../../outside.js",
		"curator-app:/etc/outside.js",
	])("refuses %s: a shipped package's module must lie inside it", async (module) => {
		await expect(decodeTasks(craftedBatch(module))).rejects.toThrow(
			`refused to import module ${JSON.stringify(module)}: it is not a path inside the shipped package`,
		);
	});

	it("accepts the form of a module inside a shipped package", () => {
		expect(specifierProblem("curator-app:node_modules/@curator/core/dist/index.js")).toBe(
			undefined,
		);
	});

	it("refuses a file: URL that no stage descriptor sent and that registered nothing here", async () => {
		const mark = join(dir, "imported");
		process.env.CURATOR_TEST_IMPORTED_MARK = mark;
		try {
			const module = new URL("./fixtures/writes-when-imported.ts", import.meta.url).href;
			await expect(decodeTasks(craftedBatch(module))).rejects.toThrow(
				"it is not one of the run's registered modules",
			);
			expect(existsSync(mark)).toBe(false);
		} finally {
			delete process.env.CURATOR_TEST_IMPORTED_MARK;
		}
	});

	it("refuses a stage descriptor naming a data: URL module", async () => {
		const file = join(dir, "pwned");
		const module = dataModule(file);
		const descriptor = {
			name: "Evil",
			ref: { module, export: "Evil" },
			modules: [module],
			registry: [],
			fields: {},
		};
		await expect(decodeStage(serialize(descriptor))).rejects.toThrow(
			/^refused to import module "data:/,
		);
		expect(existsSync(file)).toBe(false);
	});

	it("accepts file: URLs and package names, with subpaths", () => {
		for (const module of [
			"file:///srv/stages/upper.ts",
			"@curator/text",
			"my-stages",
			"my-stages/dist/upper.js",
		]) {
			expect(specifierProblem(module), module).toBeUndefined();
		}
		for (const module of ["", "pkg/../../etc", "data:,x", "C:\\\\stages\\\\x.js", 42]) {
			expect(specifierProblem(module), String(module)).toBeDefined();
		}
	});
});

describe.each(["process", "thread"] as const)("a worker host in a %s", (isolation: Isolation) => {
	let handle: WorkerHandle | undefined;
	afterEach(() => handle?.kill());

	it("refuses a payload naming a data: URL module, and goes on serving", async () => {
		handle = WorkerHandle.spawn({ workerId: "w0", isolation });
		await handle.request({
			type: "init",
			key: "0",
			stage: encodeStage(new ShoutStage()),
			isSource: false,
		});
		const file = join(dir, "pwned");
		const crafted = handle.request({
			type: "process",
			keys: ["0"],
			payload: craftedBatch(dataModule(file)),
		});
		await expect(crafted).rejects.toThrow(/^refused to import module "data:/);
		expect(existsSync(file)).toBe(false);
		// A task class from a module the run's registry sent, though no stage module imports it.
		const task = new OtherTask({ datasetName: "d", data: ["ok"] });
		task.taskId = "0_0";
		const reply = await handle.request({
			type: "process",
			keys: ["0"],
			payload: encodeTasks([task]),
		});
		expect((await readBatch(reply.payload!)).map((out) => out.data)).toEqual([["OK!"]]);
	});
});
