// `npm run bench -w @curator/bench -- <name> [--flag value ...] [--json]`, or `--list` (`--help`).
import { type CommandLine, parseCommandLine, UsageError } from "./command-line.ts";
import { benchmark, benchmarks, formatResult } from "./harness.ts";
import "./benchmarks/index.ts";

const { positionals, flags, json, list } = readCommandLine(process.argv.slice(2));

if (list || positionals.length === 0) {
	if (!list) console.error("usage: bench <name> [--flag value ...] [--json] | --list\n");
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

function readCommandLine(args: string[]): CommandLine {
	try {
		return parseCommandLine(args);
	} catch (error) {
		if (!(error instanceof UsageError)) throw error;
		console.error(`bench: ${error.message} (--list shows the benchmarks and their flags)`);
		process.exit(2);
	}
}
