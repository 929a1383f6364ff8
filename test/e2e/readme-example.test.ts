import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, run } from "./helpers.ts";

describe("README example", () => {
	it("is exactly examples/quickstart.ts", async () => {
		const readme = await readFile(join(repoRoot, "README.md"), "utf8");
		const example = await readFile(join(repoRoot, "examples/quickstart.ts"), "utf8");
		const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
		expect(block).toBe(example);
	});

	it("runs and prints the filtered lines", async () => {
		const { stdout } = await run(process.execPath, ["examples/quickstart.ts"], { cwd: repoRoot });
		expect(stdout).toBe('0_0_0 ["a short one","this line is long enough"]\ndropped lines: 2\n');
	});
});
