import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { actorPoolDefaults } from "../src/options.ts";

describe("README", () => {
	it("lists every default of the config in its table, as the code has it", async () => {
		const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
		for (const [key, value] of Object.entries(actorPoolDefaults)) {
			const row = new RegExp(`^\\| \`${key}\` \\| ([^|]+) \\|`, "m").exec(readme);
			const shown = typeof value === "string" ? `\`"${value}"\`` : String(value);
			expect(row?.[1]?.trim(), `the README's default of ${key}`).toBe(shown);
		}
	});
});
