import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const machineModule = fileURLToPath(new URL("../src/machine.ts", import.meta.url));
let dir = "";
afterEach(async () => {
	if (dir !== "") await rm(dir, { recursive: true, force: true });
});

describe("detectMachine", () => {
	it("reads the GPUs from nvidia-smi once per process", async () => {
		dir = await mkdtemp(join(tmpdir(), "curator-machine-"));
		const calls = join(dir, "calls");
		const fake = join(dir, "nvidia-smi");
		await writeFile(fake, `#!/bin/sh\necho call >> "${calls}"\nprintf '16384\\n8192\\n'\n`);
		await chmod(fake, 0o755);
		const script = `
			const { detectMachine } = await import(${JSON.stringify(machineModule)});
			console.log(JSON.stringify([detectMachine(), detectMachine()]));`;
		const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
			env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ""}` },
			encoding: "utf8",
		});
		const [first, second] = JSON.parse(out) as { gpus: number; gpuMemoryGb: number }[];
		expect(first).toMatchObject({ gpus: 2, gpuMemoryGb: 8 });
		expect(second).toEqual(first);
		expect((await readFile(calls, "utf8")).trim().split("\n")).toEqual(["call"]);
	});

	it("counts only the GPUs an inherited CUDA_VISIBLE_DEVICES names, and asks again on another PATH", async () => {
		dir = await mkdtemp(join(tmpdir(), "curator-machine-"));
		for (const [name, memories] of [
			["two", "16384\\n8192\\n"],
			["four", "4096\\n8192\\n16384\\n16384\\n"],
		] as const) {
			await mkdir(join(dir, name));
			const fake = join(dir, name, "nvidia-smi");
			await writeFile(fake, `#!/bin/sh\nprintf '${memories}'\n`);
			await chmod(fake, 0o755);
		}
		const script = `
			const { detectMachine } = await import(${JSON.stringify(machineModule)});
			const path = process.env.PATH;
			const seen = [detectMachine()];
			process.env.PATH = ${JSON.stringify(join(dir, "four"))} + ":" + path;
			seen.push(detectMachine());
			process.env.CUDA_VISIBLE_DEVICES = "2,3";
			seen.push(detectMachine());
			process.env.CUDA_VISIBLE_DEVICES = "";
			seen.push(detectMachine());
			console.log(JSON.stringify(seen));`;
		const env: Record<string, string | undefined> = {
			...process.env,
			PATH: `${join(dir, "two")}:${process.env.PATH ?? ""}`,
		};
		delete env.CUDA_VISIBLE_DEVICES;
		const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
			env,
			encoding: "utf8",
		});
		const seen = JSON.parse(out) as { gpus: number; gpuMemoryGb?: number }[];
		expect(seen.map(({ gpus, gpuMemoryGb }) => [gpus, gpuMemoryGb])).toEqual([
			[2, 8],
			[4, 4],
			[2, 16],
			[0, undefined],
		]);
	});
});
