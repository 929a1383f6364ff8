import { type ChildProcess, spawn } from "node:child_process";
import xterm from "@xterm/headless";
import { afterEach } from "vitest";
import { curatorBin } from "./cli-helpers.ts";
import { repoRoot } from "./helpers.ts";

/** The terminal a run drew on, as a person would see it and scroll back through. */
export interface Screen {
	/** The process's exit code. */
	code: number | null;
	/** Every line of the terminal, scrollback first, trailing blanks trimmed. */
	lines: string[];
	/** The lines scrolled off the top. */
	scrollback: string[];
	/** The lines on screen at the end. */
	viewport: string[];
	/** How many lines the terminal had to wrap (output wider than the screen). */
	wrapped: number;
}

/** Options of {@link runInPty}. */
export interface PtyOptions {
	columns: number;
	rows: number;
	cwd?: string;
	/** Presses Ctrl-C (once) as soon as the output so far satisfies this. */
	interruptWhen?: (output: string) => boolean;
}

const running = new Set<ChildProcess>();

afterEach(() => {
	for (const child of running) child.kill("SIGKILL");
	running.clear();
});

/**
 * Runs `curator <args>` on a pseudo-terminal of a fixed size (util-linux
 * `script`, no native addon) and replays its bytes into a headless xterm of
 * the same size. Ctrl-C is a `\x03` typed into the terminal, so the line
 * discipline sends SIGINT to the whole foreground process group, workers
 * included, as a real Ctrl-C does.
 */
export function runInPty(args: string[], options: PtyOptions): Promise<Screen> {
	const { columns, rows, cwd = repoRoot } = options;
	const command = [process.execPath, curatorBin, ...args].map(shellQuote).join(" ");
	const child = spawn(
		"script",
		["-qfec", `stty rows ${rows} cols ${columns}; exec ${command}`, "/dev/null"],
		{ cwd, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } },
	);
	running.add(child);
	const chunks: Buffer[] = [];
	let interrupted = false;
	child.stdout?.on("data", (chunk: Buffer) => {
		chunks.push(chunk);
		if (interrupted || options.interruptWhen === undefined) return;
		if (options.interruptWhen(Buffer.concat(chunks).toString("utf8"))) {
			interrupted = true;
			child.stdin?.write("\x03");
		}
	});
	return new Promise((resolve, reject) => {
		child.on("error", reject);
		child.on("close", (code) => {
			running.delete(child);
			replay(Buffer.concat(chunks), columns, rows).then(
				(screen) => resolve({ ...screen, code }),
				reject,
			);
		});
	});
}

async function replay(bytes: Buffer, cols: number, rows: number): Promise<Omit<Screen, "code">> {
	const terminal = new xterm.Terminal({ cols, rows, scrollback: 100_000, allowProposedApi: true });
	await new Promise<void>((done) => terminal.write(bytes, done));
	const buffer = terminal.buffer.active;
	const all: string[] = [];
	let wrapped = 0;
	for (let i = 0; i < buffer.length; i++) {
		const line = buffer.getLine(i);
		if (line?.isWrapped) wrapped += 1;
		all.push(line?.translateToString(true) ?? "");
	}
	terminal.dispose();
	const scrollback = all.slice(0, buffer.baseY);
	const viewport = all.slice(buffer.baseY, buffer.baseY + rows);
	while (all.length > 0 && all.at(-1) === "") all.pop();
	return { lines: all, scrollback, viewport, wrapped };
}

function shellQuote(word: string): string {
	return /^[\w./:=@-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
