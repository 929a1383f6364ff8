import { CuratorError, ErrorCodes } from "@curator/core";
import { backendName } from "../errors.ts";
import { httpFailureReason, networkFailureReason, RayJobsError } from "./errors.ts";
import { nodeHttpFetch, type RayFetch } from "./http.ts";
import { followJobLogs, type LogSource, pause } from "./logs.ts";
import { type RayPackageKind, readPackage, zipPackage } from "./package-zip.ts";
import { resolveRayToken } from "./token.ts";
import {
	jobInfoFromWire,
	type RayJobInfo,
	type RaySubmitOptions,
	rayTerminalStatuses,
	runtimeEnvProblem,
	submitRequestBody,
} from "./types.ts";

/** Options of {@link RayJobsClient}. */
export interface RayJobsClientOptions {
	/** The dashboard's HTTP address, e.g. `http://10.0.0.5:8265` (`host:port` means `http://`). */
	address: string;
	/** The cluster's token; default: `RAY_AUTH_TOKEN`, `RAY_AUTH_TOKEN_PATH`, `~/.ray/auth_token`. */
	token?: string;
	/** The transport (default {@link nodeHttpFetch}; the global `fetch` is refused by Ray for POST and PUT). */
	fetch?: RayFetch;
	/** How often `waitForEnd` (and the log polling fallback) asks for the job's status; default 1000 ms. */
	pollIntervalMs?: number;
}

/** The outcome of {@link RayJobsClient.ensurePackage}. */
export interface RayEnsuredPackage {
	/** The URI to put in a job's `runtimeEnv` (`workingDir` or `pyModules`). */
	uri: string;
	/** Whether it was sent now; `false` when the cluster already had it. */
	uploaded: boolean;
	/** Bytes of its files, unzipped. */
	bytes: number;
	/** Bytes sent: the zip's size when uploaded now, else 0. */
	sentBytes: number;
}

/** How often a submission is tried while the head node's job agent is not up yet. */
const submitAttempts = 3;

/** Ray's dashboard refuses request bodies over 100 MiB (its `DASHBOARD_CLIENT_MAX_SIZE`). */
export const rayMaxUploadBytes = 100 * 1024 * 1024;

/**
 * A client of a Ray cluster's Jobs API (the dashboard's HTTP server, port 8265 by default),
 * with no Python on this side: content-addressed packages for `runtime_env`, job submission,
 * status, stop and logs. Every failure is a {@link RayJobsError} (`CURATOR_RAY_JOBS`).
 */
export class RayJobsClient {
	/** The dashboard's address, without a trailing slash. */
	readonly address: string;
	readonly #headers: Record<string, string>;
	readonly #fetch: RayFetch;
	readonly #pollIntervalMs: number;

	constructor(options: RayJobsClientOptions) {
		this.address = normalizeAddress(options.address);
		const token = resolveRayToken(options.token);
		this.#headers = token ? { authorization: `Bearer ${token.token}` } : {};
		this.#fetch = options.fetch ?? nodeHttpFetch;
		this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
	}

	/**
	 * Makes sure the cluster has `dir` as a package of `kind` and returns its URI. The package
	 * is named after the hash of its content, so it is zipped and sent only when the cluster
	 * lacks it.
	 * Asking for it also pins it in Ray's GCS for 10 minutes (Ray's default), so a job
	 * submitted in that time finds it.
	 */
	async ensurePackage(dir: string, kind: RayPackageKind): Promise<RayEnsuredPackage> {
		const pkg = await readPackage(dir, kind).catch((error: unknown) => {
			const why = error instanceof Error ? error.message : String(error);
			throw new CuratorError(
				ErrorCodes.invalidConfig,
				`${backendName}: cannot pack ${dir}: ${why}`,
			);
		});
		const path = `/api/packages/gcs/${pkg.uri.slice("gcs://".length)}`;
		const { bytes } = pkg;
		const found = await this.#call("GET", path, undefined, [200, 404]);
		if (found.status === 200) return { uri: pkg.uri, uploaded: false, bytes, sentBytes: 0 };
		const zip = zipPackage(pkg);
		if (zip.byteLength > rayMaxUploadBytes) {
			const mib = (zip.byteLength / 1024 / 1024).toFixed(1);
			throw new RayJobsError({
				address: this.address,
				endpoint: `PUT ${path}`,
				reason: `the package of ${dir} is ${mib} MiB zipped; Ray's dashboard accepts uploads up to 100 MiB`,
			});
		}
		await this.#call("PUT", path, zip);
		return { uri: pkg.uri, uploaded: true, bytes, sentBytes: zip.byteLength };
	}

	/** Submits a job; resolves to its submission id. */
	async submitJob(options: RaySubmitOptions): Promise<string> {
		const problem = runtimeEnvProblem(options.runtimeEnv);
		if (problem !== undefined) {
			throw new CuratorError(ErrorCodes.invalidConfig, `${backendName}: ${problem}`);
		}
		const body = submitRequestBody(options);
		for (let attempt = 1; ; attempt++) {
			try {
				const response = await this.#call("POST", "/api/jobs/", body);
				return ((await response.json()) as { submission_id: string }).submission_id;
			} catch (error) {
				// A cluster that has just started answers this until its head node's agent is up
				// (after waiting 10 s for it); no job was made, so asking again is safe.
				const agentMissing =
					error instanceof RayJobsError && /No available agent/.test(error.reason);
				if (!agentMissing || attempt === submitAttempts) throw error;
			}
		}
	}

	/** The job's status and details. */
	async jobInfo(id: string): Promise<RayJobInfo> {
		const response = await this.#call("GET", `/api/jobs/${encodeURIComponent(id)}`);
		return jobInfoFromWire((await response.json()) as Record<string, unknown>);
	}

	/** The job's whole log so far. */
	async jobLogs(id: string): Promise<string> {
		const response = await this.#call("GET", `/api/jobs/${encodeURIComponent(id)}/logs`);
		return ((await response.json()) as { logs: string }).logs;
	}

	/** Asks Ray to stop the job (SIGTERM, then SIGKILL); `false` when it had already ended. */
	async stopJob(id: string): Promise<boolean> {
		const response = await this.#call("POST", `/api/jobs/${encodeURIComponent(id)}/stop`);
		return ((await response.json()) as { stopped: boolean }).stopped;
	}

	/** Resolves to the job's info once it is `SUCCEEDED`, `FAILED` or `STOPPED`. */
	async waitForEnd(id: string, signal?: AbortSignal): Promise<RayJobInfo> {
		for (;;) {
			const info = await this.jobInfo(id);
			if (rayTerminalStatuses.has(info.status)) return info;
			await pause(this.#pollIntervalMs, signal, id);
		}
	}

	/**
	 * Hands the job's log to `onText` as it grows, until the job has ended; resolves to its
	 * final info. It listens on the dashboard's WebSocket tail (see `followJobLogs`).
	 */
	followLogs(
		id: string,
		onText: (text: string) => void,
		signal?: AbortSignal,
	): Promise<RayJobInfo> {
		const source: LogSource = {
			tailUrl: (job) =>
				`${this.address.replace(/^http/, "ws")}/api/jobs/${encodeURIComponent(job)}/logs/tail`,
			headers: this.#headers,
			jobInfo: (job) => this.jobInfo(job),
			jobLogs: (job) => this.jobLogs(job),
			pollIntervalMs: this.#pollIntervalMs,
		};
		return followJobLogs(source, id, onText, signal);
	}

	/** Sends one request; answers other than `ok` statuses become a {@link RayJobsError}. */
	async #call(
		method: string,
		path: string,
		body?: Uint8Array | Record<string, unknown>,
		ok: readonly number[] = [200],
	): Promise<Response> {
		const headers = { ...this.#headers };
		let payload: Uint8Array | string | undefined;
		if (body instanceof Uint8Array) {
			payload = body;
			headers["content-type"] = "application/zip";
		} else if (body !== undefined) {
			payload = JSON.stringify(body);
			headers["content-type"] = "application/json";
		}
		const failure = { address: this.address, endpoint: `${method} ${path}` };
		let response: Response;
		try {
			response = await this.#fetch(`${this.address}${path}`, { method, headers, body: payload });
		} catch (error) {
			throw new RayJobsError(
				{ ...failure, reason: networkFailureReason(this.address, error) },
				{ cause: error },
			);
		}
		if (ok.includes(response.status)) return response;
		const reason = httpFailureReason(response.status, await response.text());
		throw new RayJobsError({ ...failure, status: response.status, reason });
	}
}

/** `address` with a scheme and without a trailing slash; only `http(s)://` is a dashboard. */
function normalizeAddress(address: string): string {
	const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`;
	if (!/^https?:\/\//i.test(withScheme)) {
		throw new CuratorError(
			ErrorCodes.invalidConfig,
			`${backendName}: ${address} is not a Ray dashboard address: give its HTTP address, e.g. http://<head>:8265`,
		);
	}
	return withScheme.replace(/\/+$/, "");
}
