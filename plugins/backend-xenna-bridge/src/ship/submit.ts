import { fileURLToPath } from "node:url";
import { workerHostEntry } from "../executor.ts";
import { type RayEnsuredPackage, RayJobsClient } from "../jobs/client.ts";
import type { RayJobInfo } from "../jobs/types.ts";
import { resolvePython } from "../python.ts";
import { ShipError } from "./errors.ts";
import { packShipment } from "./pack.ts";

/** A file of the program given as an argument of the job: the job gets its path on the node. */
export interface ShippedFile {
	file: string;
}

/** What {@link submitPipelineJob} runs on the cluster and where it reports. */
export interface SubmitJobOptions {
	/** The Ray dashboard, e.g. `http://10.0.0.5:8265`. */
	address: string;
	/** The cluster's token (default: `RAY_AUTH_TOKEN`, then Ray's token file). */
	token?: string;
	/** The Node script the job runs, e.g. the `curator` command's bin (absolute path). */
	main: string;
	/** Its arguments; a {@link ShippedFile} becomes that file's path on the node. */
	args: readonly (string | ShippedFile)[];
	/** Modules the program imports by a name a static scan cannot see (absolute paths). */
	modules?: readonly string[];
	/** The user's project folder (its package.json); default: the current directory. */
	project?: string;
	/** Interpreter whose pyzmq and tqdm travel with the bridge (default as `XennaConfig.python`). */
	python?: string;
	/** The entrypoint's interpreter on the head node (default `python`, the one Ray runs with). */
	nodePython?: string;
	/** Each piece of the job's log, as it grows. */
	onLog(text: string): void;
	/** Each package, once it is on the cluster (uploaded now or found there), and the seconds that took (zipping included). */
	onPackage?(name: string, result: RayEnsuredPackage, seconds: number): void;
	/** The job's submission id, once the cluster took it. */
	onSubmitted?(id: string): void;
	/** Stops the job (and waits for it to end) when aborted. */
	signal?: AbortSignal;
}

/** How a submitted job ended. */
export interface SubmittedJob {
	info: RayJobInfo;
	packages: Record<"app" | "node" | "bridge", RayEnsuredPackage>;
}

/**
 * Runs a Node program as a Ray job on a cluster whose nodes have only Python with ray
 * and cosmos-xenna: packs it ({@link packShipment}), sends each package unless the
 * cluster already has it (they are content-addressed), submits
 * `python -m ray_js_bridge.job <main> <args>` with the packages as `py_modules`, and
 * streams the job's log until it ends. An abort stops the job.
 */
export async function submitPipelineJob(options: SubmitJobOptions): Promise<SubmittedJob> {
	const python = resolvePython(options.python);
	if (python === undefined) {
		throw new ShipError(
			"no Python to take the bridge's pyzmq from: set CURATOR_XENNA_PYTHON (a Python with ray_js_bridge installed)",
		);
	}
	const client = new RayJobsClient({
		address: options.address,
		...(options.token === undefined ? {} : { token: options.token }),
	});
	const args = options.args.filter((arg): arg is ShippedFile => typeof arg !== "string");
	const shipment = await packShipment({
		main: options.main,
		modules: [
			...args.map((arg) => arg.file),
			...(options.modules ?? []),
			workerHostEntry(),
			fileURLToPath(import.meta.url),
		],
		project: options.project ?? process.cwd(),
		python,
	});
	try {
		const ensure = async (name: string, dir: string, kind: "py_modules" | "working_dir") => {
			const started = performance.now();
			const result = await client.ensurePackage(dir, kind);
			options.onPackage?.(name, result, (performance.now() - started) / 1000);
			return result;
		};
		const packages = {
			app: await ensure("app", shipment.app, "py_modules"),
			node: await ensure("node", shipment.node, "py_modules"),
			// Its top level holds several packages: zipped as a working_dir is, at the root.
			bridge: await ensure("bridge", shipment.bridge, "working_dir"),
		};
		const words = [
			options.nodePython ?? "python",
			"-m",
			"ray_js_bridge.job",
			`curator-app:${shipment.main}`,
			...options.args.map((arg) => {
				if (typeof arg === "string") return arg;
				const place = shipment.locate(arg.file);
				if (place === undefined) throw new ShipError(`${arg.file} is not part of the package`);
				return `curator-app:${place}`;
			}),
		];
		const id = await client.submitJob({
			entrypoint: words.map(shellWord).join(" "),
			runtimeEnv: { pyModules: [packages.app.uri, packages.node.uri, packages.bridge.uri] },
		});
		options.onSubmitted?.(id);
		const stop = (): void => {
			void client.stopJob(id).catch(() => undefined);
		};
		options.signal?.addEventListener("abort", stop, { once: true });
		try {
			const info = await client.followLogs(id, options.onLog);
			return { info, packages };
		} finally {
			options.signal?.removeEventListener("abort", stop);
		}
	} finally {
		shipment.dispose();
	}
}

/** `word` quoted for a POSIX shell when it needs it. */
function shellWord(word: string): string {
	return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
