import { execFile } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import * as kit from "../src/index.ts";

const packageDir = fileURLToPath(new URL("../", import.meta.url));
const checkDir = join(packageDir, ".readme-check");
const readme = () => readFile(join(packageDir, "README.md"), "utf8");
const tsc = join(
	dirname(createRequire(import.meta.url).resolve("typescript/package.json")),
	"bin/tsc",
);

afterAll(async () => {
	await rm(checkDir, { recursive: true, force: true });
});

describe("README", () => {
	it("has TypeScript snippets that type-check against the kit", { timeout: 120_000 }, async () => {
		const blocks = [...(await readme()).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
		expect(blocks.length).toBeGreaterThanOrEqual(3);
		await mkdir(checkDir, { recursive: true });
		await Promise.all(
			blocks.map((code, i) =>
				writeFile(join(checkDir, `snippet-${i}.ts`), `${code}\nexport {};\n`),
			),
		);
		await writeFile(
			join(checkDir, "tsconfig.json"),
			JSON.stringify({ extends: "../../../tsconfig.base.json", include: ["*.ts"] }),
		);
		const result = await promisify(execFile)(process.execPath, [tsc, "-p", checkDir], {
			timeout: 110_000,
			killSignal: "SIGKILL",
		}).then(
			() => "",
			(error: { stdout?: string }) => error.stdout ?? String(error),
		);
		expect(result).toBe("");
	});

	it("lists every registrar in the order the kit runs them", async () => {
		const text = await readme();
		const paragraph = text.slice(
			text.indexOf("Registrars, in the order"),
			text.indexOf("For extra"),
		);
		const listed = [...paragraph.matchAll(/`(register\w+)`/g)].map((m) => m[1]);
		expect(listed).toEqual(kit.conformanceRegistrars.map((register) => register.name));
	});
});
