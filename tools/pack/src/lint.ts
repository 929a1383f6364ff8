import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { repoRoot } from "./packages.ts";

/** publint's errors and warnings for a packed tarball (suggestions are not failures). */
export async function publintProblems(tarball: string): Promise<string[]> {
	const bytes = readFileSync(tarball);
	const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
	const { messages, pkg } = await publint({ pack: { tarball: data }, level: "warning" });
	return messages.map((message) => `publint: ${formatMessage(message, pkg) ?? message.code}`);
}

/**
 * What @arethetypeswrong/cli finds in a packed tarball, for ESM-only packages
 * (the `esm-only` profile: CommonJS `require` is not supported, by design).
 */
export function attwProblems(tarball: string): string[] {
	const attw = join(repoRoot, "node_modules", ".bin", "attw");
	try {
		execFileSync(attw, [tarball, "--profile", "esm-only", "--format", "ascii"], {
			encoding: "utf8",
			stdio: ["ignore", "pipe", "pipe"],
		});
		return [];
	} catch (error) {
		const out = (error as { stdout?: string }).stdout ?? String(error);
		return [`attw: ${out.trim()}`];
	}
}
