import { defineConfig } from "tsup";
import { tsupBase } from "../../tools/build/tsup.base.ts";
import { publicEntries } from "./public-entries.ts";

export default defineConfig({
	...tsupBase,
	entry: publicEntries,
	// Members tagged `@internal` (the worker cache's hand-over to pools) stay out of the `.d.ts`.
	dts: { entry: publicEntries, compilerOptions: { stripInternal: true } },
});
