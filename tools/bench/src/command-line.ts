/** What the bench command was asked to do. */
export interface CommandLine {
	/** Benchmark names, in order. */
	positionals: string[];
	/** `--name value` and `--name=value` flags, by name. */
	flags: Record<string, string>;
	/** One JSON object on stdout instead of tables. */
	json: boolean;
	/** List the benchmarks and their flags (`--list`, `--help`, `-h`). */
	list: boolean;
}

/** Thrown for a command line that cannot be read (the command exits with status 2). */
export class UsageError extends Error {}

/** Reads the bench command's arguments (without `node` and the script). */
export function parseCommandLine(args: readonly string[]): CommandLine {
	const line: CommandLine = { positionals: [], flags: {}, json: false, list: false };
	for (let i = 0; i < args.length; i++) {
		const arg = args[i] as string;
		if (arg === "-h") {
			line.list = true;
			continue;
		}
		if (!arg.startsWith("--")) {
			line.positionals.push(arg);
			continue;
		}
		const [name, inline] = arg.slice(2).split(/=(.*)/s) as [string, string | undefined];
		if (name === "") throw new UsageError(`a flag needs a name: "${arg}"`);
		if (name === "json" || name === "list" || name === "help") {
			if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
			if (name === "json") line.json = true;
			else line.list = true;
		} else if (inline !== undefined) {
			line.flags[name] = inline;
		} else {
			const next = args[i + 1];
			if (next === undefined || next.startsWith("--")) {
				throw new UsageError(`--${name} needs a value`);
			}
			line.flags[name] = next;
			i += 1;
		}
	}
	return line;
}
