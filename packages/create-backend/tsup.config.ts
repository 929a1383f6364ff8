import { defineConfig } from "tsup";
import { tsupBase } from "../../tools/build/tsup.base.ts";

export default defineConfig({ ...tsupBase, entry: ["src/index.ts", "src/bin.ts"] });
