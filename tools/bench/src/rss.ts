import { readdirSync, readFileSync } from "node:fs";

/** The process `root` and all its descendants, from /proc (Linux). */
export function processTree(root: number): number[] {
	const children = new Map<number, number[]>();
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
			const list = children.get(ppid) ?? [];
			list.push(Number(entry));
			children.set(ppid, list);
		} catch {
			// The process ended while we looked.
		}
	}
	const tree: number[] = [];
	const queue = [root];
	while (queue.length > 0) {
		const pid = queue.pop() as number;
		tree.push(pid);
		queue.push(...(children.get(pid) ?? []));
	}
	return tree;
}

/** Resident memory of one process in bytes (0 when it is gone). */
export function rssBytes(pid: number): number {
	try {
		const status = readFileSync(`/proc/${pid}/status`, "utf8");
		const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
		return kb === undefined ? 0 : Number(kb) * 1024;
	} catch {
		return 0;
	}
}

/** Summed resident memory of a process and its descendants, in bytes. */
export function treeRssBytes(root: number): number {
	return processTree(root).reduce((sum, pid) => sum + rssBytes(pid), 0);
}

/** Samples a process tree's RSS every `intervalMs` until stopped; keeps the peak. */
export class PeakRssSampler {
	readonly root: number;
	peakBytes = 0;
	samples = 0;
	#timer: ReturnType<typeof setInterval>;

	constructor(root: number, intervalMs = 50) {
		this.root = root;
		this.sample();
		this.#timer = setInterval(() => this.sample(), intervalMs);
		this.#timer.unref();
	}

	/** Takes one sample now. */
	sample(): void {
		this.peakBytes = Math.max(this.peakBytes, treeRssBytes(this.root));
		this.samples += 1;
	}

	/** Stops sampling and returns the peak in bytes. */
	stop(): number {
		clearInterval(this.#timer);
		return this.peakBytes;
	}
}
