// `npm run bench -w @curator/bench -- <name> [--flag value ...] [--json]`, or `--list`.
import { benchmark, benchmarks, formatResult } from "./harness.ts";
import "./benchmarks/index.ts";

const argv = process.argv.slice(2);
const { positionals, flags, json, list } = parseCommandLine(argv);

if (list || positionals.length === 0) {
	for (const b of benchmarks()) {
		console.log(`${b.name}: ${b.description}`);
		for (const [name, flag] of Object.entries(b.flags)) {
			console.log(`  --${name} (default ${flag.default || "none"}): ${flag.description}`);
		}
	}
	process.exit(list ? 0 : 2);
}

const results: Record<string, unknown> = {};
try {
	for (const name of positionals) {
		const b = benchmark(name);
		const unknown = Object.keys(flags).filter((flag) => !(flag in b.flags));
		if (unknown.length > 0) throw new Error(`${name}: unknown flag(s) --${unknown.join(", --")}`);
		const values = Object.fromEntries(
			Object.entries(b.flags).map(([k, f]) => [k, flags[k] ?? f.default]),
		);
		const result = await b.run(values, (line) => console.error(`[${name}] ${line}`));
		results[name] = result;
		if (!json) console.log(formatResult(name, result));
	}
} catch (error) {
	console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
}
if (json) console.log(JSON.stringify(results));

/** `--name value` and `--name=value` flags, `--json`, `--list`, and benchmark names. */
function parseCommandLine(args: string[]): {
	positionals: string[];
	flags: Record<string, string>;
	json: boolean;
	list: boolean;
} {
	const positionals: string[] = [];
	const flags: Record<string, string> = {};
	let json = false;
	let list = false;
	for (let i = 0; i < args.length; i++) {
		const arg = args[i] as string;
		if (!arg.startsWith("--")) {
			positionals.push(arg);
			continue;
		}
		const [name, inline] = arg.slice(2).split(/=(.*)/s) as [string, string | undefined];
		if (name === "json") json = true;
		else if (name === "list") list = true;
		else if (inline !== undefined) flags[name] = inline;
		else {
			const next = args[i + 1];
			if (next === undefined || next.startsWith("--")) throw new Error(`--${name} needs a value`);
			flags[name] = next;
			i += 1;
		}
	}
	return { positionals, flags, json, list };
}
