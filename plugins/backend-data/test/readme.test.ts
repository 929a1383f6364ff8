import { readFile } from "node:fs/promises";
import { describe, expect, it, vi } from "vitest";
import { upper } from "../examples/upper.ts";

describe("README example", () => {
	it("is exactly examples/upper.ts", async () => {
		const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
		const example = await readFile(new URL("../examples/upper.ts", import.meta.url), "utf8");
		expect(/```ts\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(example);
	});

	it("runs", async () => {
		const log = vi.spyOn(console, "log").mockImplementation(() => {});
		try {
			expect(await upper(["a", "b"])).toEqual(["A", "B"]);
		} finally {
			log.mockRestore();
		}
	});
});
