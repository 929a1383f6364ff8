/** A Ray job's status (Ray's `JobStatus`). */
export type RayJobStatus = "PENDING" | "RUNNING" | "STOPPED" | "SUCCEEDED" | "FAILED";

/** The statuses a job never leaves. */
export const rayTerminalStatuses: ReadonlySet<RayJobStatus> = new Set([
	"STOPPED",
	"SUCCEEDED",
	"FAILED",
]);

/**
 * The `runtime_env` of a job, as far as a cluster with only Python and Ray on its nodes needs
 * it: package URIs from {@link RayJobsClient.ensurePackage} and environment variables.
 */
export interface RayRuntimeEnv {
	/** A `working_dir` package URI: the job's working directory on every node. */
	workingDir?: string;
	/** `py_modules` package URIs: put on `PYTHONPATH` of the job and its workers. */
	pyModules?: string[];
	/** Environment variables of the job's driver and of every worker it starts. */
	envVars?: Record<string, string>;
}

/** What a job is submitted with (Ray's `JobSubmitRequest`). */
export interface RaySubmitOptions {
	/** The shell command the job runs, in its working directory. */
	entrypoint: string;
	runtimeEnv?: RayRuntimeEnv;
	/** The job's id; Ray makes one (`raysubmit_...`) when absent. Ray refuses an id in use. */
	submissionId?: string;
	/** Free-form labels stored with the job. */
	metadata?: Record<string, string>;
	/** CPUs reserved for the entrypoint itself (Ray's default: 0). */
	entrypointNumCpus?: number;
	/** GPUs reserved for the entrypoint itself (Ray's default: 0). */
	entrypointNumGpus?: number;
}

/** What the cluster knows of a job (Ray's `JobDetails`, fields renamed to camelCase). */
export interface RayJobInfo {
	submissionId: string;
	status: RayJobStatus;
	entrypoint: string;
	/** Ray's explanation of the status (why it failed, for one). */
	message: string | undefined;
	/** Ray's `JobErrorType` of a failed job, e.g. `JOB_ENTRYPOINT_COMMAND_ERROR`. */
	errorType: string | undefined;
	/** Unix times in milliseconds. */
	startTime: number | undefined;
	endTime: number | undefined;
	/** Exit code of the entrypoint, once it ended. */
	driverExitCode: number | undefined;
	metadata: Record<string, string>;
}

/** The JSON body of `POST /api/jobs/` for `options`. */
export function submitRequestBody(options: RaySubmitOptions): Record<string, unknown> {
	const env = options.runtimeEnv ?? {};
	const runtimeEnv: Record<string, unknown> = {};
	if (env.workingDir !== undefined) runtimeEnv.working_dir = env.workingDir;
	if (env.pyModules !== undefined) runtimeEnv.py_modules = env.pyModules;
	if (env.envVars !== undefined) runtimeEnv.env_vars = env.envVars;
	const body: Record<string, unknown> = {
		entrypoint: options.entrypoint,
		runtime_env: runtimeEnv,
		metadata: options.metadata ?? {},
	};
	if (options.submissionId !== undefined) body.submission_id = options.submissionId;
	if (options.entrypointNumCpus !== undefined) body.entrypoint_num_cpus = options.entrypointNumCpus;
	if (options.entrypointNumGpus !== undefined) body.entrypoint_num_gpus = options.entrypointNumGpus;
	return body;
}

/**
 * Why `env` cannot be sent, or `undefined`: a package must be a URI (a local path would name a
 * folder of this machine, which the nodes do not have).
 */
export function runtimeEnvProblem(env: RayRuntimeEnv | undefined): string | undefined {
	const uris = [
		...(env?.workingDir === undefined ? [] : [["workingDir", env.workingDir] as const]),
		...(env?.pyModules ?? []).map((uri, i) => [`pyModules[${i}]`, uri] as const),
	];
	for (const [key, uri] of uris) {
		if (!/^[a-z][a-z0-9+.-]*:\/\//.test(uri)) {
			return `runtimeEnv.${key} must be a package URI from ensurePackage, got "${uri}"`;
		}
	}
	for (const [key, value] of Object.entries(env?.envVars ?? {})) {
		if (typeof value !== "string") return `runtimeEnv.envVars.${key} must be a string`;
	}
	return undefined;
}

/** A `JobDetails` JSON object as {@link RayJobInfo}. */
export function jobInfoFromWire(json: Record<string, unknown>): RayJobInfo {
	const text = (key: string) => (typeof json[key] === "string" ? (json[key] as string) : undefined);
	const num = (key: string) => (typeof json[key] === "number" ? (json[key] as number) : undefined);
	return {
		submissionId: text("submission_id") ?? "",
		status: (text("status") ?? "PENDING") as RayJobStatus,
		entrypoint: text("entrypoint") ?? "",
		message: text("message"),
		errorType: text("error_type"),
		startTime: num("start_time"),
		endTime: num("end_time"),
		driverExitCode: num("driver_exit_code"),
		metadata: (json.metadata as Record<string, string> | null) ?? {},
	};
}
