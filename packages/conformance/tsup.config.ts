import { defineConfig } from "tsup";
import { tsupBase } from "../../tools/build/tsup.base.ts";

// Two entries share one chunk (splitting), so a stage class imported from
// `@curator/conformance/fixtures` by a worker is the very class the kit uses.
export default defineConfig({
	...tsupBase,
	entry: {
		index: "src/index.ts",
		fixtures: "src/fixtures/index.ts",
		"output-fixtures": "src/fixtures/output.ts",
	},
	splitting: true,
});
