import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { typeStrippingFlags } from "../src/type-stripping.ts";

const parentScript = fileURLToPath(new URL("./fixtures/strip-parent.ts", import.meta.url));
/** A Node 22.12 to 22.17 binary (strips types only with the flag), when the environment has one. */
const flaggedNode = process.env.CURATOR_TEST_FLAGGED_STRIP_NODE ?? "";

describe("typeStrippingFlags", () => {
	it("hands on the flag a parent strips types by (Node 22.12 to 22.17), without its warning", () => {
		const flags = typeStrippingFlags({
			typescript: "strip",
			execArgv: ["--max-old-space-size=512", "--experimental-strip-types"],
		});
		expect(flags).toEqual(["--experimental-strip-types", "--disable-warning=ExperimentalWarning"]);
		const transform = typeStrippingFlags({
			typescript: "transform",
			execArgv: ["--experimental-transform-types"],
		});
		expect(transform).toEqual([
			"--experimental-transform-types",
			"--disable-warning=ExperimentalWarning",
		]);
	});

	it("adds nothing when Node strips by default, the flag is in NODE_OPTIONS, or the parent does not strip", () => {
		expect(typeStrippingFlags({ typescript: "strip", execArgv: [] })).toEqual([]);
		expect(typeStrippingFlags({ typescript: false, execArgv: [] })).toEqual([]);
		expect(typeStrippingFlags({ typescript: undefined, execArgv: ["--inspect"] })).toEqual([]);
	});
});

/** Runs the fixture program with `node` and the flag; the flags its worker ran with. */
function workerFlags(node: string, isolation: "process" | "thread"): string[] {
	const out = execFileSync(node, ["--experimental-strip-types", parentScript, isolation], {
		encoding: "utf8",
		stdio: ["ignore", "pipe", "pipe"],
		timeout: 60_000,
	});
	return JSON.parse(out) as string[];
}

describe.each(["process", "thread"] as const)(
	"a worker %s of a program started with --experimental-strip-types",
	(isolation) => {
		it("gets the flag, so it can import the program's .ts modules", () => {
			expect(workerFlags(process.execPath, isolation)).toContain("--experimental-strip-types");
		});

		it.skipIf(flaggedNode === "")(
			"loads .ts modules on a Node that strips only with the flag (CURATOR_TEST_FLAGGED_STRIP_NODE)",
			() => {
				expect(workerFlags(flaggedNode, isolation)).toContain("--experimental-strip-types");
			},
		);
	},
);
