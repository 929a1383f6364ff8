import { readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { publicEntries } from "../public-entries.ts";

/**
 * The public surface of `@curator/runtime`, entry by entry. Changing it is a
 * deliberate edit of this list, the README's "Public surface" section and a
 * changeset; anything not listed is internal.
 */
const surface = {
	".": {
		values: [
			"EncodedTask",
			"GpuLedger",
			"KEEP_ENCODED_MIN_BYTES",
			"SpillDir",
			"SpillError",
			"StagePool",
			"WorkerCache",
			"asPoolBatch",
			"assertFitsMachine",
			"defaultLogger",
			"detectMachine",
			"faultOptionRules",
			"faultPolicyDefaults",
			"fuseStages",
			"gpuCapacity",
			"outputsOf",
			"outputsOfAll",
			"resolveFaultPolicy",
			"samePolicy",
			"sizeStage",
			"splitGpus",
			"visibleGpus",
			"workersThatFit",
		],
		types: [
			"BatchOutcome",
			"FaultOptions",
			"FaultPolicy",
			"FusableOptions",
			"FusionRules",
			"GpuHold",
			"GpuPoolRequest",
			"GpuSeat",
			"GpuShare",
			"Isolation",
			"PoolBatch",
			"PoolTask",
			"ProcessOptions",
			"StagePoolOptions",
			"StageSizing",
			"WorkerResources",
		],
	},
	"./codec": { values: ["decodeTasks", "encodeStage", "encodeTasks"], types: [] },
	"./render": {
		values: [
			"RunRenderer",
			"formatBytes",
			"formatLogRecord",
			"formatSummaryTable",
			"formatTable",
			"logLevels",
			"rendererDefaults",
			"runReport",
		],
		types: [
			"Align",
			"LogLevel",
			"LogRecordLine",
			"RenderMode",
			"RenderStream",
			"RunOutput",
			"RunRendererOptions",
			"RunReport",
			"StageReport",
			"SummaryTableOptions",
		],
	},
	"./host": {
		values: ["PROTOCOL_VERSION", "serveWorkerHost", "typeStrippingFlags"],
		types: ["HostMessage", "HostTransport", "ServeOptions"],
	},
	"./worker-host": { values: [], types: [] },
} as const;

const packageDir = new URL("../", import.meta.url);
const entryName = (subpath: string) => (subpath === "." ? "index" : subpath.slice(2));
const sourceOf = (subpath: string) =>
	new URL(publicEntries[entryName(subpath) as keyof typeof publicEntries], packageDir);

/** The names a barrel exports, read from its statements (barrels only re-export by name). */
function barrelExports(file: URL): { values: string[]; types: string[] } {
	const text = readFileSync(file, "utf8");
	const source = ts.createSourceFile(file.pathname, text, ts.ScriptTarget.Latest);
	const values: string[] = [];
	const types: string[] = [];
	for (const statement of source.statements) {
		const exported = ts.canHaveModifiers(statement)
			? ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
			: false;
		if (!ts.isExportDeclaration(statement)) {
			expect(exported, `${file.pathname}: only named re-exports`).not.toBe(true);
			expect(ts.isExportAssignment(statement), `${file.pathname}: no export default`).toBe(false);
			continue;
		}
		const clause = statement.exportClause;
		expect(clause && ts.isNamedExports(clause), `${file.pathname}: no export *`).toBe(true);
		for (const element of (clause as ts.NamedExports).elements) {
			(statement.isTypeOnly || element.isTypeOnly ? types : values).push(element.name.text);
		}
	}
	return { values: values.sort(), types: types.sort() };
}

describe("public surface of @curator/runtime", () => {
	it("has one package.json export per public entry, each built with its .d.ts", () => {
		const manifest = JSON.parse(readFileSync(new URL("package.json", packageDir), "utf8")) as {
			exports: Record<string, unknown>;
		};
		const { "./package.json": own, ...entries } = manifest.exports;
		expect(own).toBe("./package.json");
		expect(Object.keys(entries).sort()).toEqual(Object.keys(surface).sort());
		expect(Object.keys(publicEntries).sort()).toEqual(Object.keys(surface).map(entryName).sort());
		for (const subpath of Object.keys(surface)) {
			const name = entryName(subpath);
			expect(manifest.exports[subpath]).toEqual({
				types: `./dist/${name}.d.ts`,
				default: `./dist/${name}.js`,
			});
		}
	});

	const importable = ["." as const, "./codec" as const, "./render" as const, "./host" as const];

	for (const subpath of importable) {
		it(`${subpath} exports exactly its listed names, values and types`, async () => {
			const expected = surface[subpath];
			const declared = barrelExports(sourceOf(subpath));
			expect(declared).toEqual({ values: [...expected.values], types: [...expected.types] });
			const loaded = (await import(sourceOf(subpath).href)) as object;
			expect(Object.keys(loaded).sort()).toEqual([...expected.values]);
		});
	}

	it("./worker-host exports nothing: it is started as a worker, never imported", () => {
		expect(barrelExports(sourceOf("./worker-host"))).toEqual({ values: [], types: [] });
	});

	it("resolves each importable entry through the package's exports to the built files", async () => {
		for (const subpath of importable) {
			const specifier = `@curator/runtime${subpath.slice(1)}`;
			const loaded = (await import(specifier)) as object;
			expect(Object.keys(loaded).sort(), specifier).toEqual([...surface[subpath].values]);
		}
	});
});
