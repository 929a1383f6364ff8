/**
 * The pack check of a release: packs every publishable package and checks
 * each tarball (LICENSE, README and the files it links to, the manifest's
 * fields) with publint and @arethetypeswrong/cli. Prints the problems; exits 1
 * when there is any.
 *
 *     tools/env/with-node.sh npm run --silent check -w @curator/pack
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contentProblems } from "./contents.ts";
import { attwProblems, publintProblems } from "./lint.ts";
import { type PackedPackage, packAll, publishablePackages } from "./packages.ts";

/** Every problem of one packed package. */
export async function packageProblems(packed: PackedPackage, dir: string): Promise<string[]> {
	return [
		...contentProblems(packed, dir),
		...(await publintProblems(packed.tarball)),
		...attwProblems(packed.tarball),
	];
}

async function main(): Promise<number> {
	const work = mkdtempSync(join(tmpdir(), "curator-pack-check-"));
	try {
		const packages = publishablePackages();
		let failed = 0;
		for (const packed of packAll(work).values()) {
			const problems = await packageProblems(packed, packages.get(packed.name)?.dir ?? "");
			const status = problems.length === 0 ? "ok" : `${problems.length} problem(s)`;
			process.stdout.write(`${packed.name}: ${status}\n`);
			for (const problem of problems) process.stdout.write(`  - ${problem}\n`);
			if (problems.length > 0) failed++;
		}
		return failed === 0 ? 0 : 1;
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

if (import.meta.filename === process.argv[1]) process.exitCode = await main();
