import { pathToFileURL } from "node:url";
import { APP_SCHEME, portableModule } from "@curator/core";
import { typeStrippingFlags } from "@curator/runtime/host";

/** How the actors start a Node worker: binary, worker-host script, extra environment. */
export interface WorkerSpecWire {
	node: string;
	entry: string;
	env: Record<string, string>;
}

/** What the actors resolve to their node's copy of the shipped Node.js binary. */
export const SHIPPED_NODE = "curator-node:";

/**
 * The Node worker of a run: in a shipped run (a job of `curator submit`), the
 * binary and the worker host are named by their place in the shipped packages,
 * which each node resolves to its own copy; otherwise this process's paths, the
 * same on every node. A worker gets the type-stripping flags this process runs
 * with (`typeStrippingFlags`) in `NODE_OPTIONS`, so it imports the same `.ts` modules.
 */
export function workerSpec(
	workerEntry: string,
	flags: readonly string[] = typeStrippingFlags(),
): WorkerSpecWire {
	const entry = portableModule(pathToFileURL(workerEntry).href);
	const env: Record<string, string> =
		flags.length === 0 ? {} : { NODE_OPTIONS: nodeOptions(flags) };
	if (entry.startsWith(APP_SCHEME)) return { node: SHIPPED_NODE, entry, env };
	return { node: process.execPath, entry: workerEntry, env };
}

function nodeOptions(flags: readonly string[]): string {
	const inherited = process.env.NODE_OPTIONS?.trim() ?? "";
	return [inherited, ...flags].filter((part) => part !== "").join(" ");
}
