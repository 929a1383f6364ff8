import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { RayJobsClient } from "../src/index.ts";

/** What a fake dashboard does: job status, whole log, and the tail's WebSocket (or none). */
interface FakeJob {
	status(call: number): string;
	logs(call: number): string;
	/** Serves tail connection number `n` (from 1); absent: the upgrade is refused (HTTP 404). */
	tail?: (socket: WebSocket, n: number) => void;
}

/** A dashboard on 127.0.0.1 serving one job, `j`; resolves to its address and a closer. */
async function fakeDashboard(job: FakeJob): Promise<{ address: string; close(): void }> {
	let infoCalls = 0;
	let tails = 0;
	const wss = new WebSocketServer({ noServer: true });
	const server = createServer((req: IncomingMessage, res: ServerResponse) => {
		res.setHeader("content-type", "application/json");
		if (req.url === "/api/jobs/j") {
			infoCalls++;
			res.end(JSON.stringify({ submission_id: "j", status: job.status(infoCalls) }));
		} else if (req.url === "/api/jobs/j/logs") {
			res.end(JSON.stringify({ logs: job.logs(infoCalls) }));
		} else {
			res.statusCode = 404;
			res.end("Job does not exist");
		}
	});
	server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
		const serve = job.tail;
		if (req.url !== "/api/jobs/j/logs/tail" || serve === undefined) {
			socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
			return;
		}
		wss.handleUpgrade(req, socket, head, (ws) => serve(ws, ++tails));
	});
	await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
	const { port } = server.address() as AddressInfo;
	return {
		address: `http://127.0.0.1:${port}`,
		close: () => {
			for (const client of wss.clients) client.terminate();
			server.closeAllConnections();
			server.close();
		},
	};
}

/** Sends `texts` one after another, then calls `then`. */
function sendAll(ws: WebSocket, texts: string[], then: () => void): void {
	const [first, ...rest] = texts;
	if (first === undefined) then();
	else ws.send(first, () => sendAll(ws, rest, then));
}

async function follow(address: string): Promise<{ chunks: string[]; status: string }> {
	const client = new RayJobsClient({ address, token: "t", pollIntervalMs: 10 });
	const chunks: string[] = [];
	const info = await client.followLogs("j", (text) => chunks.push(text));
	return { chunks, status: info.status };
}

describe("followLogs", () => {
	it("after a dropped tail it opens another and skips what was already handed on", async () => {
		let ended = false;
		const dashboard = await fakeDashboard({
			status: () => (ended ? "SUCCEEDED" : "RUNNING"),
			logs: () => "never asked for",
			tail: (ws, n) => {
				if (n === 1) sendAll(ws, ["line 1\n"], () => ws.terminate());
				else {
					ended = true;
					// Ray's tail starts from the beginning of the log again, in chunks of its own.
					sendAll(ws, ["line 1\nline 2\n"], () => ws.close(1000));
				}
			},
		});
		try {
			expect(await follow(dashboard.address)).toEqual({
				chunks: ["line 1\n", "line 2\n"],
				status: "SUCCEEDED",
			});
		} finally {
			dashboard.close();
		}
	});

	it("polls the whole log, handing on only what is new, where the tail cannot be opened", async () => {
		const log = "abc";
		const dashboard = await fakeDashboard({
			// Call 1 follows the refused tail; then each poll asks for the status, then the log.
			status: (call) => (call >= 3 ? "SUCCEEDED" : "RUNNING"),
			logs: (call) => log.slice(0, call),
		});
		try {
			expect(await follow(dashboard.address)).toEqual({ chunks: ["ab", "c"], status: "SUCCEEDED" });
		} finally {
			dashboard.close();
		}
	});

	it("reads the log once more when the tail was cut off and the job has ended meanwhile", async () => {
		let ended = false;
		const dashboard = await fakeDashboard({
			status: () => (ended ? "FAILED" : "RUNNING"),
			logs: () => "first\nlast words\n",
			tail: (ws) =>
				sendAll(ws, ["first\n"], () => {
					ended = true;
					ws.terminate();
				}),
		});
		try {
			expect(await follow(dashboard.address)).toEqual({
				chunks: ["first\n", "last words\n"],
				status: "FAILED",
			});
		} finally {
			dashboard.close();
		}
	});

	it("rejects with the error onText throws, and stops listening", async () => {
		const dashboard = await fakeDashboard({
			status: () => "RUNNING",
			logs: () => "",
			tail: (ws) => sendAll(ws, ["boom\n"], () => undefined),
		});
		try {
			const client = new RayJobsClient({ address: dashboard.address, token: "t" });
			const failing = client.followLogs("j", () => {
				throw new Error("consumer failed");
			});
			await expect(failing).rejects.toThrow("consumer failed");
		} finally {
			dashboard.close();
		}
	});
});
