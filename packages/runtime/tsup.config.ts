import { defineConfig } from "tsup";
import { tsupBase } from "../../tools/build/tsup.base.ts";
import { publicEntries } from "./public-entries.ts";

export default defineConfig({
	...tsupBase,
	// `zmq-transport` is built next to the worker host, which loads it by URL; it is not exported.
	entry: { ...publicEntries, "zmq-transport": "src/zmq-transport.ts" },
	// Members tagged `@internal` (the worker cache's hand-over to pools) stay out of the `.d.ts`.
	dts: { entry: publicEntries, compilerOptions: { stripInternal: true } },
});
