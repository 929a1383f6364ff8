#!/usr/bin/env node
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { createBackend } from "./create.ts";

const usage = `Usage: create-curator-backend <folder> [--name <backend-name>] [--package <npm-name>] [--description <text>]

Writes a Curator TS backend package into <folder>: an executor that passes the conformance kit,
its descriptor for the curator command, a vitest conformance test and a Biome config.
Then: cd <folder> && npm install && npm test && npm run demo
`;

function main(argv: string[]): number {
	let parsed: ReturnType<typeof parse>;
	try {
		parsed = parse(argv);
	} catch (error) {
		process.stderr.write(`create-curator-backend: ${(error as Error).message}\n${usage}`);
		return 2;
	}
	const { values, positionals } = parsed;
	if (values.help === true || positionals.length !== 1) {
		(values.help === true ? process.stdout : process.stderr).write(usage);
		return values.help === true ? 0 : 2;
	}
	const dir = positionals[0] as string;
	try {
		const files = createBackend({
			dir,
			name: values.name,
			packageName: values.package,
			description: values.description,
		});
		process.stdout.write(
			`Created ${files.length} files in ${relative(process.cwd(), dir) || "."}.\n`,
		);
		process.stdout.write(`Next: cd ${dir} && npm install && npm test && npm run demo\n`);
		return 0;
	} catch (error) {
		process.stderr.write(`create-curator-backend: ${(error as Error).message}\n`);
		return 1;
	}
}

function parse(argv: string[]) {
	return parseArgs({
		args: argv,
		allowPositionals: true,
		options: {
			name: { type: "string" },
			package: { type: "string" },
			description: { type: "string" },
			help: { type: "boolean", short: "h" },
		},
	});
}

process.exitCode = main(process.argv.slice(2));
