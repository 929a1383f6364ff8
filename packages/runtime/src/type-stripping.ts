/** What decides a worker's type-stripping flags: its parent's Node. */
export interface TypeStrippingParent {
	/** `process.features.typescript`: how the parent runs `.ts` modules, or `false`. */
	typescript: unknown;
	/** The parent's own Node flags (`process.execArgv`). */
	execArgv: readonly string[];
}

const typescriptFlags = ["--experimental-strip-types", "--experimental-transform-types"];

/**
 * Node flags a worker needs to import the `.ts` modules its parent imports.
 * Workers start with flags of their own, not the parent's, so a parent that
 * strips types only because of its command line (Node 22.12 to 22.17 started
 * with `--experimental-strip-types`) hands that flag on; without it, the
 * worker fails with `Unknown file extension ".ts"`. The parent already
 * printed the flag's experimental warning, so the worker does not repeat it.
 * A Node that strips by default, or a flag in `NODE_OPTIONS` (inherited with
 * the environment), needs nothing.
 */
export function typeStrippingFlags(parent: TypeStrippingParent = currentParent()): string[] {
	if (parent.typescript !== "strip" && parent.typescript !== "transform") return [];
	const flags = typescriptFlags.filter((flag) => parent.execArgv.includes(flag));
	return flags.length === 0 ? [] : [...flags, "--disable-warning=ExperimentalWarning"];
}

function currentParent(): TypeStrippingParent {
	const features = process.features as { typescript?: unknown };
	return { typescript: features.typescript ?? false, execArgv: process.execArgv };
}
