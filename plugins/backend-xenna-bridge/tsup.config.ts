import { defineConfig } from "tsup";
import { tsupBase } from "../../tools/build/tsup.base.ts";

// `worker-host` is the script the Python actors start; it is exported for its path only.
export default defineConfig({
	...tsupBase,
	entry: { index: "src/index.ts", "worker-host": "src/worker-host.ts" },
});
