import { describe, expect, it } from "vitest";
import { runRawSplit } from "../src/raw-split.ts";
import { processTree } from "../src/rss.ts";
import { burn } from "../src/stages/cpu.ts";

describe.each(["thread", "process"] as const)("the bare ceiling in %s mode", (kind) => {
	it("runs CpuStage's work on both halves of the tasks and has ended its workers when it resolves", async () => {
		const count = 7;
		const iterations = 1000;
		let expected = 0;
		for (let t = 0; t < count; t++) expected += burn(t + 1, iterations);
		expect(await runRawSplit(kind, count, iterations)).toBe(expected);
		expect(processTree(process.pid)).toEqual([process.pid]);
	});
});
