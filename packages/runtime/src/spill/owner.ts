import { readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Every spill folder's name starts with this. */
export const SPILL_PREFIX = "curator-spill-";

/**
 * Who made a spill folder: its process id, that process's start time (so a
 * reused pid is not taken for the owner) and its pid namespace (so a folder
 * of another container sharing `/dev/shm`, whose pids mean nothing here, is
 * never judged). `0` stands for unknown (no `/proc`).
 */
export interface SpillOwner {
	pid: number;
	start: string;
	namespace: string;
}

const ownerName = /^curator-spill-(\d+)-(\d+)-(\d+)-[0-9a-f]{12}$/;

/** This process as a spill folder's owner. */
export function currentOwner(): SpillOwner {
	return {
		pid: process.pid,
		start: startTime(process.pid) ?? "0",
		namespace: pidNamespace() ?? "0",
	};
}

/** The name of a spill folder owned by `owner`, made unique by `tag` (12 hex digits). */
export function spillFolderName(owner: SpillOwner, tag: string): string {
	return `${SPILL_PREFIX}${owner.pid}-${owner.start}-${owner.namespace}-${tag}`;
}

/** The owner a folder name records, or `undefined` for a name that is not a spill folder's. */
export function parseSpillFolderName(name: string): SpillOwner | undefined {
	const match = ownerName.exec(name);
	if (match === null) return undefined;
	return { pid: Number(match[1]), start: match[2] as string, namespace: match[3] as string };
}

/**
 * Whether `owner` is certainly gone: no process has its pid, or the one that
 * has it started at another time (the pid was reused), or it is a zombie. A
 * folder from another pid namespace is never judged gone.
 */
export function ownerGone(owner: SpillOwner, here: SpillOwner = currentOwner()): boolean {
	if (owner.namespace !== "0" && here.namespace !== "0" && owner.namespace !== here.namespace) {
		return false;
	}
	if (!pidExists(owner.pid)) return true;
	const stat = procStat(owner.pid);
	if (stat === undefined) return false;
	if (stat.state === "Z") return true;
	return owner.start !== "0" && stat.start !== owner.start;
}

/**
 * Removes the spill folders in `base` whose owner is gone (it was killed
 * before it could clean up); folders of live owners and anything else in
 * `base` stay. Returns the folders removed.
 */
export function sweepSpillFolders(base: string, here: SpillOwner = currentOwner()): string[] {
	let names: string[];
	try {
		names = readdirSync(base);
	} catch {
		return [];
	}
	const removed: string[] = [];
	for (const name of names) {
		const owner = parseSpillFolderName(name);
		if (owner === undefined || !ownerGone(owner, here)) continue;
		const path = join(base, name);
		try {
			rmSync(path, { recursive: true, force: true });
			removed.push(path);
		} catch {
			// Someone else's folder we may not remove: not ours to judge further.
		}
	}
	return removed;
}

function pidExists(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: it exists but belongs to someone else.
		return (error as NodeJS.ErrnoException).code === "EPERM";
	}
}

/** The state and start time (clock ticks after boot) of a process, from `/proc/<pid>/stat`. */
function procStat(pid: number): { state: string; start: string } | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		// The command name (field 2) may hold spaces and parentheses: count from its end.
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		const state = fields[0];
		const start = fields[19];
		if (state === undefined || start === undefined || !/^\d+$/.test(start)) return undefined;
		return { state, start };
	} catch {
		return undefined;
	}
}

function startTime(pid: number): string | undefined {
	return procStat(pid)?.start;
}

/** The inode of this process's pid namespace (`/proc/self/ns/pid` -> `pid:[4026531836]`). */
function pidNamespace(): string | undefined {
	try {
		return /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1];
	} catch {
		return undefined;
	}
}
