import type { BaseExecutor, Logger } from "@curator/core";
import { BackendUnavailableError } from "./errors.ts";

/** Backend names accepted by `--backend`. */
export const backendNames = ["local", "actor-pool", "data", "xenna"] as const;

/** One of {@link backendNames}. */
export type BackendName = (typeof backendNames)[number];

/** What the CLI knows of the run when it builds an executor's config. */
export interface BackendRunOptions {
	/** `--workers`, when given. */
	workers: number | undefined;
	logger: Logger;
}

/** Where a backend plugin lives and how CLI flags map onto its executor's config. */
export interface BackendPlugin {
	/** npm package of the plugin. */
	packageName: string;
	/** Exported executor class (its constructor takes one config object). */
	exportName: string;
	/** Whether `--workers` means anything to this backend. */
	acceptsWorkers: boolean;
	/** The executor's config for these CLI options. */
	config(options: BackendRunOptions): Record<string, unknown>;
}

/**
 * The one place that maps CLI names and flags onto backend plugins. Plugins
 * are loaded by dynamic import, so the CLI works (and says so clearly) when
 * one is not installed.
 */
export const backendPlugins: Readonly<Record<BackendName, BackendPlugin>> = {
	local: {
		packageName: "@curator/backend-local",
		exportName: "LocalExecutor",
		acceptsWorkers: false,
		config: ({ logger }) => ({ logger }),
	},
	"actor-pool": {
		packageName: "@curator/backend-actor-pool",
		exportName: "ActorPoolExecutor",
		acceptsWorkers: true,
		config: ({ logger, workers }) => withWorkers({ logger }, "maxWorkersPerStage", workers),
	},
	data: {
		packageName: "@curator/backend-data",
		exportName: "DataExecutor",
		acceptsWorkers: true,
		// All stages run at once on shared workers: the bound is on live workers overall.
		config: ({ logger, workers }) => withWorkers({ logger }, "maxWorkers", workers),
	},
	xenna: {
		packageName: "@curator/backend-xenna-bridge",
		exportName: "XennaExecutor",
		acceptsWorkers: true,
		// The executor's defaults (streaming; a local cluster sized for the pipeline) unless
		// CURATOR_XENNA_EXECUTION_MODE or CURATOR_XENNA_LOCAL_CPUS say otherwise.
		config: ({ logger, workers }) =>
			withWorkers({ logger, ...xennaEnvironment() }, "maxWorkersPerStage", workers),
	},
};

/**
 * The xenna backend's settings from the environment: `CURATOR_XENNA_EXECUTION_MODE`
 * (`streaming` or `batch`; default: the executor's, streaming) and `CURATOR_XENNA_LOCAL_CPUS`
 * (logical CPUs of the local Ray cluster the driver starts; default: sized for the pipeline).
 * The executor validates both.
 */
export function xennaEnvironment(env = process.env): Record<string, unknown> {
	const mode = env.CURATOR_XENNA_EXECUTION_MODE;
	const cpus = env.CURATOR_XENNA_LOCAL_CPUS;
	return {
		...(mode ? { executionMode: mode } : {}),
		...(cpus ? { localCpus: Number(cpus) } : {}),
	};
}

function withWorkers(
	config: Record<string, unknown>,
	key: string,
	workers: number | undefined,
): Record<string, unknown> {
	return workers === undefined ? config : { ...config, [key]: workers };
}

/** An executor class as the CLI sees it. */
export type ExecutorClass = new (config: Record<string, unknown>) => BaseExecutor;

/** Whether a backend's plugin could be loaded. */
export type BackendStatus =
	| { name: BackendName; packageName: string; installed: true; executor: ExecutorClass }
	| { name: BackendName; packageName: string; installed: false; reason: string };

/** Tries to load a backend's plugin; never throws. */
export async function probeBackend(name: BackendName): Promise<BackendStatus> {
	return probePlugin(name, backendPlugins[name]);
}

/** Tries to load `plugin` (under the CLI name `name`); never throws. */
export async function probePlugin(
	name: BackendName,
	plugin: Pick<BackendPlugin, "packageName" | "exportName">,
): Promise<BackendStatus> {
	const base = { name, packageName: plugin.packageName };
	let module: Record<string, unknown>;
	try {
		module = (await import(plugin.packageName)) as Record<string, unknown>;
	} catch (error) {
		return { ...base, installed: false, reason: importProblem(plugin.packageName, error) };
	}
	const executor = module[plugin.exportName];
	if (typeof executor !== "function") {
		return {
			...base,
			installed: false,
			reason: `${plugin.packageName} does not export ${plugin.exportName}`,
		};
	}
	return { ...base, installed: true, executor: executor as ExecutorClass };
}

/** Loads a backend's executor class; throws {@link BackendUnavailableError} when absent. */
export async function loadBackend(name: BackendName): Promise<ExecutorClass> {
	const status = await probeBackend(name);
	if (status.installed) return status.executor;
	throw new BackendUnavailableError(name, `backend "${name}" is ${status.reason}`);
}

/** Every backend with its status, in table order. */
export async function listBackends(): Promise<BackendStatus[]> {
	return Promise.all(backendNames.map((name) => probeBackend(name)));
}

function importProblem(packageName: string, error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	// A missing package (Node: "Cannot find package '<name>'", bundlers: "Could not resolve
	// \"<name>\""), not a package whose own files are missing, e.g. one not built yet.
	const quoted = message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`);
	if (quoted && /cannot find package|could not resolve/i.test(message)) {
		return `not installed (npm install ${packageName})`;
	}
	return `not loadable: ${packageName} failed to load: ${message.split("\n")[0]}`;
}
