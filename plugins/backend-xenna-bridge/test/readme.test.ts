import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { shout } from "../examples/shout.ts";
import { python, rayAddress, skipped, skipReason } from "./bridge-env.ts";

describe("README example", () => {
	it("is exactly examples/shout.ts", async () => {
		const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
		const example = await readFile(new URL("../examples/shout.ts", import.meta.url), "utf8");
		expect(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(example);
	});

	it.skipIf(skipReason !== "")(`runs on Ray${skipped}`, async () => {
		expect(await shout(["a", "b"], { python, rayAddress, cpuAllocationPercentage: 1 })).toEqual([
			"A!",
			"B!",
		]);
	});
});
