import { type ChildProcess, spawn } from "node:child_process";
import { delimiter } from "node:path";
import type { Logger } from "@curator/core";
import { APP_ROOT_ENV } from "@curator/core";

/** How the driver process ended. */
export interface DriverExit {
	code: number | null;
	signal: NodeJS.Signals | null;
	/** Set when the process could not be started at all (e.g. `ENOENT`). */
	spawnError?: Error;
}

/** What {@link DriverProcess.start} needs. */
export interface DriverStart {
	python: string;
	endpoint: string;
	/** `python/src` of this package, prepended to `PYTHONPATH`. */
	pythonSource: string;
	/** Extra environment (session key, CURVE keys, limits); never on the command line. */
	env: Record<string, string>;
	logger: Logger;
}

const tailLines = 40;

/**
 * `python -m ray_js_bridge --connect <endpoint>`, in its own process group
 * (a local Ray cluster's stray workers end up in it, so killing the group
 * reaps them). Its stdout and stderr go to the logger at debug level; the
 * last lines are kept for error messages.
 */
export class DriverProcess {
	readonly child: ChildProcess;
	/** Where its output lines go (the current run's logger). */
	logger: Logger;
	/** Resolves once the process has exited (or failed to start). */
	readonly exited: Promise<DriverExit>;
	#exit: DriverExit | undefined;
	readonly #tail: string[] = [];

	private constructor(child: ChildProcess, logger: Logger) {
		this.child = child;
		this.logger = logger;
		this.exited = new Promise((resolve) => {
			child.once("error", (error) => {
				this.#exit = { code: null, signal: null, spawnError: error };
				resolve(this.#exit);
			});
			child.once("exit", (code, signal) => {
				this.#exit ??= { code, signal };
				resolve(this.#exit);
			});
		});
		for (const stream of [child.stdout, child.stderr]) {
			let partial = "";
			stream?.setEncoding("utf8");
			stream?.on("data", (chunk: string) => {
				const lines = (partial + chunk).split("\n");
				partial = lines.pop() ?? "";
				for (const line of lines) this.#line(line);
			});
			stream?.on("end", () => {
				if (partial !== "") this.#line(partial);
			});
		}
	}

	/** Starts the driver. */
	static start(options: DriverStart): DriverProcess {
		// In a shipped run the job's Python path holds the shipped bridge with its dependencies.
		const source = process.env[APP_ROOT_ENV] === undefined ? options.pythonSource : undefined;
		const pythonPath = [source, process.env.PYTHONPATH]
			.filter((p) => p !== undefined && p !== "")
			.join(delimiter);
		const child = spawn(options.python, ["-m", "ray_js_bridge", "--connect", options.endpoint], {
			detached: true,
			stdio: ["ignore", "pipe", "pipe"],
			env: { ...process.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: "1", ...options.env },
		});
		return new DriverProcess(child, options.logger);
	}

	/** The process id (undefined when it could not start). */
	get pid(): number | undefined {
		return this.child.pid;
	}

	/** How it ended, once it has. */
	get exit(): DriverExit | undefined {
		return this.#exit;
	}

	/** The last lines it wrote. */
	get tail(): string[] {
		return [...this.#tail];
	}

	/** The last line that looks like a Python error, or the last line. */
	get lastError(): string | undefined {
		const errors = this.#tail.filter((line) => /(Error|Exception)\b/.test(line));
		return errors.at(-1) ?? this.#tail.at(-1);
	}

	/** SIGKILLs the driver's whole process group (the driver and what it left behind). */
	killGroup(): void {
		const pid = this.child.pid;
		if (pid === undefined) return;
		try {
			process.kill(-pid, "SIGKILL");
		} catch {
			// Already gone.
		}
	}

	/** Waits up to `timeoutMs` for the driver to exit; then kills its group either way. */
	async reap(timeoutMs: number): Promise<DriverExit> {
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<void>((resolve) => {
			timer = setTimeout(() => resolve(), timeoutMs);
		});
		await Promise.race([this.exited, timeout]);
		clearTimeout(timer);
		this.killGroup();
		return this.exited;
	}

	#line(line: string): void {
		if (line.trim() === "") return;
		this.#tail.push(line);
		if (this.#tail.length > tailLines) this.#tail.shift();
		this.logger.debug({ source: "driver" }, line);
	}
}
