import { pathToFileURL } from "node:url";
import { APP_SCHEME, portableModule } from "@curator/core";

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
 * same on every node.
 */
export function workerSpec(workerEntry: string): WorkerSpecWire {
	const entry = portableModule(pathToFileURL(workerEntry).href);
	if (entry.startsWith(APP_SCHEME)) return { node: SHIPPED_NODE, entry, env: {} };
	return { node: process.execPath, entry: workerEntry, env: {} };
}
