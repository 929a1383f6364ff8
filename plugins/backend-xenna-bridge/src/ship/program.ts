import { fileURLToPath } from "node:url";
import { APP_ROOT_ENV, registeredModules, type ShippedPlace } from "@curator/core";
import { packShipment, type Shipment } from "./pack.ts";

/** The packages a run joining a cluster hands to Ray, and where its modules went. */
export interface ShippedProgram {
	/** Folders for the driver's `runtime_env`: two py_modules and the bridge (a working_dir). */
	dirs: { app: string; node: string; bridge: string };
	places: ShippedPlace[];
}

const packed = new Map<string, Promise<Shipment>>();

/** Environment variable giving `ship`'s default: `0` for no. */
export const SHIP_ENV = "CURATOR_XENNA_SHIP";

/**
 * Whether a run with these settings packs what the nodes need: it joins a cluster
 * (`rayAddress`), `ship` (default: `CURATOR_XENNA_SHIP`, else true) says so, and it
 * is not itself a shipped program.
 */
export function shipsItself(rayAddress: string | undefined, ship: boolean | undefined): boolean {
	const wanted = ship ?? process.env[SHIP_ENV] !== "0";
	return (
		rayAddress !== undefined &&
		rayAddress !== "" &&
		wanted &&
		(process.env[APP_ROOT_ENV] ?? "") === ""
	);
}

/**
 * Packs the modules that registered classes in this process (what the Node
 * workers import) with the worker host, a Node.js binary and the bridge, once per
 * process and set of modules; the folders are removed when the process exits.
 */
export async function shippedProgram(
	workerEntry: string,
	python: string,
	project: string,
): Promise<ShippedProgram> {
	const modules = registeredModules()
		.filter((module) => module.startsWith("file:"))
		.map((module) => fileURLToPath(module))
		.sort();
	const key = JSON.stringify([workerEntry, python, project, modules]);
	let pending = packed.get(key);
	if (pending === undefined) {
		pending = packShipment({
			main: workerEntry,
			modules,
			project,
			python,
		});
		packed.set(key, pending);
		pending.then(
			(shipment) => process.once("exit", () => shipment.dispose()),
			() => packed.delete(key),
		);
	}
	const shipment = await pending;
	return {
		dirs: { app: shipment.app, node: shipment.node, bridge: shipment.bridge },
		places: shipment.places,
	};
}

/**
 * Removes the packages this process packed for the runs that shipped themselves (they
 * are kept for its next runs, and removed when it exits); a later run packs again.
 */
export async function removeShippedPrograms(): Promise<void> {
	const all = [...packed.values()];
	packed.clear();
	for (const pending of all) {
		const shipment = await pending.catch(() => undefined);
		shipment?.dispose();
	}
}
