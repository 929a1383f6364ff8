import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** A listening TCP socket and the process that holds it. */
export interface ListeningSocket {
	pid: number;
	/** IPv4 dotted quad, or IPv6 in eight groups (`0:0:0:0:0:ffff:7f00:1` for a mapped IPv4). */
	address: string;
	port: number;
}

/** TCP sockets in state LISTEN held by `pids`, from `/proc/net/tcp{,6}` and `/proc/<pid>/fd` (Linux). */
export function listeningSockets(pids: readonly number[]): ListeningSocket[] {
	const listening = new Map<string, { address: string; port: number }>();
	for (const [file, decode] of [
		["/proc/net/tcp", ipv4],
		["/proc/net/tcp6", ipv6],
	] as const) {
		for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
			const fields = line.trim().split(/\s+/);
			const [local, state, inode] = [fields[1], fields[3], fields[9]];
			if (local === undefined || state !== "0A" || inode === undefined) continue;
			const [host = "", port = "0"] = local.split(":");
			listening.set(inode, { address: decode(host), port: Number.parseInt(port, 16) });
		}
	}
	const found: ListeningSocket[] = [];
	for (const pid of pids) {
		for (const inode of socketInodes(pid)) {
			const socket = listening.get(inode);
			if (socket !== undefined) found.push({ pid, ...socket });
		}
	}
	return found;
}

/** Whether `address` (as {@link listeningSockets} writes it) is loopback: 127/8, ::1 or ::ffff:127/104. */
export function isLoopbackAddress(address: string): boolean {
	return (
		address.startsWith("127.") ||
		address === "0:0:0:0:0:0:0:1" ||
		address.startsWith("0:0:0:0:0:ffff:7f")
	);
}

function socketInodes(pid: number): string[] {
	let fds: string[];
	try {
		fds = readdirSync(`/proc/${pid}/fd`);
	} catch {
		return []; // Gone meanwhile.
	}
	const inodes: string[] = [];
	for (const fd of fds) {
		try {
			const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
			if (match?.[1] !== undefined) inodes.push(match[1]);
		} catch {
			// Closed meanwhile.
		}
	}
	return inodes;
}

/** `0100007F` -> `127.0.0.1` (the kernel prints the address in host byte order, little-endian here). */
function ipv4(hex: string): string {
	return [6, 4, 2, 0].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)).join(".");
}

/** Four little-endian 32-bit words -> eight groups. */
function ipv6(hex: string): string {
	const groups: string[] = [];
	for (let word = 0; word < 4; word++) {
		const chunk = hex.slice(word * 8, word * 8 + 8);
		const bytes = [6, 4, 2, 0].map((at) => chunk.slice(at, at + 2)).join("");
		groups.push(
			Number.parseInt(bytes.slice(0, 4), 16).toString(16),
			Number.parseInt(bytes.slice(4), 16).toString(16),
		);
	}
	return groups.join(":");
}
