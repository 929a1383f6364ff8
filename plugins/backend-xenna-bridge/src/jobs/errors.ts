import { CuratorError, ErrorCodes } from "@curator/core";
import { backendName } from "../errors.ts";

/** Where a call to the Jobs API failed. */
export interface RayJobsFailure {
	/** The dashboard's address, e.g. `http://10.0.0.5:8265`. */
	address: string;
	/** Method and path, e.g. `POST /api/jobs/`. */
	endpoint: string;
	/** The HTTP status, when the dashboard answered. */
	status?: number;
	/** Why, in one line. */
	reason: string;
}

/**
 * A call to a Ray cluster's Jobs API (its dashboard's HTTP server) failed: nothing listening,
 * a missing or wrong token, a refused upload or job. Code `CURATOR_RAY_JOBS`; the one-line
 * message names the address, the endpoint and the reason (never the token).
 */
export class RayJobsError extends CuratorError {
	readonly address: string;
	readonly endpoint: string;
	readonly status: number | undefined;
	readonly reason: string;

	constructor(failure: RayJobsFailure, options?: ErrorOptions) {
		super(
			ErrorCodes.rayJobs,
			`${backendName}: Ray Jobs API at ${failure.address}, ${failure.endpoint}: ${failure.reason}`,
			options,
		);
		this.address = failure.address;
		this.endpoint = failure.endpoint;
		this.status = failure.status;
		this.reason = failure.reason;
	}
}

const tokenHelp =
	"set RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH, or the client's `token`) to the cluster's token";

/** The reason for an HTTP error answer (`body` is the dashboard's text, often a traceback). */
export function httpFailureReason(status: number, body: string): string {
	if (status === 401) return `the cluster requires a token: ${tokenHelp}`;
	if (status === 403 && /authentication token/i.test(body)) {
		return `the cluster refused the token (HTTP 403, not the cluster's token): ${tokenHelp}`;
	}
	if (status === 405 && /browser/i.test(body)) {
		return "the dashboard took the request for a browser's (it carried Sec-Fetch-*, Origin or Referer headers, as Node's global fetch adds): use the client's default transport";
	}
	if (status === 413) return "HTTP 413: the upload is larger than the dashboard accepts";
	return `HTTP ${status}: ${lastLine(body) || "(no text)"}`;
}

/** The reason for a request that got no answer (`error` from the transport). */
export function networkFailureReason(address: string, error: unknown): string {
	const code = errorCode(error);
	if (code === "ECONNREFUSED") {
		return `no Ray dashboard at ${address} (connection refused): check the address and port (the dashboard listens on 8265 by default) and that the cluster is up`;
	}
	if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `no such host in ${address} (${code})`;
	const message = error instanceof Error ? error.message : String(error);
	return `cannot reach ${address}: ${code ?? message}`;
}

/** The last non-empty line of `text` (a Python traceback's exception), at most 300 chars. */
function lastLine(text: string): string {
	const lines = text
		.split("\n")
		.map((line) => line.trim())
		.filter((line) => line !== "");
	const line = lines.at(-1) ?? "";
	return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

/** The system error code of a failed request: Node's (`error.code`) or fetch's (`error.cause`). */
function errorCode(error: unknown): string | undefined {
	for (let e = error, depth = 0; e instanceof Error && depth < 4; depth++) {
		const code = (e as Error & { code?: unknown }).code;
		if (typeof code === "string") return code;
		e = e.cause;
	}
	return undefined;
}
