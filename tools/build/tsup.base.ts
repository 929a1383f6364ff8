import type { Options } from "tsup";

/** Shared tsup settings: every package ships ESM + `.d.ts` for Node >= 22.12. */
export const tsupBase: Options = {
	format: ["esm"],
	target: "node22",
	platform: "node",
	dts: true,
	sourcemap: true,
	clean: true,
	splitting: false,
	treeshake: true,
};
