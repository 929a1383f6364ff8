import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

/** One request of {@link RayJobsClient}: a subset of `fetch`'s `RequestInit`. */
export interface RayHttpRequest {
	method: string;
	headers: Record<string, string>;
	body?: Uint8Array | string;
	signal?: AbortSignal;
}

/**
 * How {@link RayJobsClient} sends a request; `fetch`-shaped, so a test can wrap it to count or
 * inspect requests. The default is {@link nodeHttpFetch}.
 */
export type RayFetch = (url: string, init: RayHttpRequest) => Promise<Response>;

/**
 * The default transport, on `node:http(s)`. Not the global `fetch`: it adds `Sec-Fetch-Mode`
 * to every request, and Ray's dashboard takes any request with a `Sec-Fetch-*`, `Origin` or
 * `Referer` header for a browser's and refuses its `POST` and `PUT` (HTTP 405), so no job
 * could be submitted and no package uploaded. This one sends only the headers it is given
 * (plus `Host`, `Content-Length` and `Connection`).
 */
export const nodeHttpFetch: RayFetch = (url, init) =>
	new Promise((resolve, reject) => {
		const target = new URL(url);
		const send = target.protocol === "https:" ? httpsRequest : httpRequest;
		const body = typeof init.body === "string" ? Buffer.from(init.body) : init.body;
		const headers: Record<string, string> = { ...init.headers };
		if (body !== undefined) headers["content-length"] = String(body.byteLength);
		const req = send(
			target,
			{ method: init.method, headers, ...(init.signal ? { signal: init.signal } : {}) },
			(res) => {
				collect(res).then((data) => resolve(toResponse(res, data)), reject);
			},
		);
		req.once("error", reject);
		req.end(body);
	});

function collect(res: IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		res.on("data", (chunk: Buffer) => chunks.push(chunk));
		res.once("end", () => resolve(Buffer.concat(chunks)));
		res.once("error", reject);
	});
}

function toResponse(res: IncomingMessage, data: Buffer): Response {
	const headers = new Headers();
	for (const [name, value] of Object.entries(res.headers)) {
		if (typeof value === "string") headers.set(name, value);
		else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
	}
	const status = res.statusCode ?? 500;
	// A Response of these statuses must not have a body.
	const empty = status === 204 || status === 205 || status === 304;
	return new Response(empty ? null : new Uint8Array(data), { status, headers });
}
