import { CuratorError, ErrorCodes } from "./errors.ts";
import type { BaseExecutor, ExecutorConfig } from "./executor.ts";
import type { Logger } from "./logger.ts";

/**
 * The run flags a backend may take from the `curator` command line, by their
 * camelCase names: `workers` is `--workers <n>` (a whole number),
 * `rayAddress` is `--ray-address <host:port>` (text).
 */
export const backendFlags = ["workers", "rayAddress"] as const;

/** One of {@link backendFlags}. */
export type BackendFlag = (typeof backendFlags)[number];

/** The backend flags a run was given; a flag not given is absent. */
export interface BackendFlagValues {
	/** `--workers <n>`. */
	workers?: number;
	/** `--ray-address <host:port>`. */
	rayAddress?: string;
}

/** The keys of `Config` that can hold a `Value`. */
export type ConfigKeyOf<Config, Value> = {
	[K in keyof Config]-?: Value extends Config[K] ? K : never;
}[keyof Config] &
	string;

/** Where each backend flag goes in `Config`; a flag left out does not apply to the backend. */
export type BackendFlagMap<Config> = {
	readonly [F in BackendFlag]?: ConfigKeyOf<Config, NonNullable<BackendFlagValues[F]>>;
};

/** The environment as a descriptor reads it. */
export type BackendEnvironment = Readonly<Record<string, string | undefined>>;

/**
 * What a backend package exports (as `backend`) so the `curator` command can
 * run it: its short name, its executor class and how command-line flags map
 * onto the executor's config. Pure data and functions: no I/O. Make one with
 * {@link defineBackend}.
 */
export interface BackendDescriptor<Config extends ExecutorConfig = ExecutorConfig> {
	/** Short name, kebab-case: `curator run --backend <name>`. */
	readonly name: string;
	/** The executor class; its constructor takes one config object. */
	readonly executor: new (
		config: Config,
	) => BaseExecutor<Config>;
	/** The config key each flag the backend takes sets, e.g. `{ workers: "maxWorkers" }`. */
	readonly flags: BackendFlagMap<Config>;
	/** Config read from the environment (optional); flags given on the command line win. */
	readonly environment?: (env: BackendEnvironment) => Partial<Config>;
}

const namePattern = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Checks and freezes a backend's descriptor; throws `CURATOR_INVALID_CONFIG`
 * naming what is wrong (a name that is not kebab-case, an executor that is
 * not a class, an unknown flag).
 *
 * @example
 * export const backend = defineBackend({
 * 	name: "my-cluster",
 * 	executor: MyClusterExecutor,
 * 	flags: { workers: "maxWorkers" },
 * });
 */
export function defineBackend<Config extends ExecutorConfig>(
	descriptor: BackendDescriptor<Config>,
): BackendDescriptor<Config> {
	const problem = descriptorProblem(descriptor);
	if (problem !== undefined) {
		throw new CuratorError(ErrorCodes.invalidConfig, `backend descriptor: ${problem}`);
	}
	return Object.freeze({ ...descriptor, flags: Object.freeze({ ...descriptor.flags }) });
}

/** Why `value` is not a valid {@link BackendDescriptor}, or `undefined` when it is. */
export function descriptorProblem(value: unknown): string | undefined {
	if (typeof value !== "object" || value === null) return "not an object";
	const { name, executor, flags, environment } = value as Record<string, unknown>;
	if (typeof name !== "string" || !namePattern.test(name)) {
		return `name must be kebab-case (e.g. "my-cluster"), got ${JSON.stringify(name)}`;
	}
	if (typeof executor !== "function") return `backend "${name}": executor must be a class`;
	if (typeof flags !== "object" || flags === null) {
		return `backend "${name}": flags must be an object (use {} for none)`;
	}
	for (const [flag, key] of Object.entries(flags)) {
		if (!(backendFlags as readonly string[]).includes(flag)) {
			return `backend "${name}": unknown flag "${flag}" (flags: ${backendFlags.join(", ")})`;
		}
		if (typeof key !== "string" || key === "") {
			return `backend "${name}": flag "${flag}" must map to a config key`;
		}
	}
	if (environment !== undefined && typeof environment !== "function") {
		return `backend "${name}": environment must be a function`;
	}
	return undefined;
}

/** What the caller knows of a run when it builds the executor's config. */
export interface BackendRunSettings {
	/** The backend flags given. */
	flags: BackendFlagValues;
	/** The run's logger. */
	logger: Logger;
	/** The environment (default: none). */
	env?: BackendEnvironment;
}

/**
 * The executor config for a run: the descriptor's `environment` settings,
 * the logger, then each given flag the backend takes under its config key.
 * Flags the backend does not take are left out (see {@link ignoredFlags}).
 */
export function backendConfig<Config extends ExecutorConfig>(
	descriptor: BackendDescriptor<Config>,
	settings: BackendRunSettings,
): Config {
	const config: Record<string, unknown> = {
		...descriptor.environment?.(settings.env ?? {}),
		logger: settings.logger,
	};
	for (const flag of backendFlags) {
		const key = descriptor.flags[flag];
		const value = settings.flags[flag];
		if (key !== undefined && value !== undefined) config[key] = value;
	}
	return config as Config;
}

/** The given flags that `descriptor` does not take, in {@link backendFlags} order. */
export function ignoredFlags(
	descriptor: Pick<BackendDescriptor, "flags">,
	flags: BackendFlagValues,
): BackendFlag[] {
	return backendFlags.filter(
		(flag) => flags[flag] !== undefined && descriptor.flags[flag] === undefined,
	);
}
