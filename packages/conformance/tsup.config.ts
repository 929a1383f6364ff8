import { defineConfig } from "tsup";
import { tsupBase } from "../../tools/build/tsup.base.ts";

// The entries share chunks (splitting), so a stage class imported from
// `@curator/conformance/fixtures` by a worker is the very class the kit (or its
// resume runner, the program the resume cases start) uses.
export default defineConfig({
	...tsupBase,
	entry: {
		index: "src/index.ts",
		fixtures: "src/fixtures/index.ts",
		"output-fixtures": "src/fixtures/output.ts",
		"resume-runner": "src/resume/runner.ts",
	},
	splitting: true,
});
