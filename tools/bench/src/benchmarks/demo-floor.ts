// The floor of the demo-1m benchmark: the demo pipeline's reading, filtering, deduplication and
// writing as one hand-written loop with no framework, using the same scoring functions, line
// reader and hash. Usage: node demo-floor.ts <input folder> <output folder>
import { readdirSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { demoFilters } from "@curator/cli";
import { documentFilter, normalizedHash, readLineChunks } from "@curator/text";

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
	console.error("usage: demo-floor.ts <input folder> <output folder>");
	process.exit(2);
}
const filters = demoFilters.map((spec) => {
	const definition = documentFilter(spec.kind);
	const field =
		typeof definition.scoreField === "string" ? definition.scoreField : definition.scoreField(spec);
	return { spec, definition, field };
});
const files = readdirSync(input)
	.filter((name) => name.endsWith(".jsonl"))
	.sort()
	.map((name) => join(input, name));
await mkdir(output, { recursive: true });
const seen = new Set<string>();
let rows = 0;
for (const file of files) {
	let body = "";
	for await (const { lines } of readLineChunks(file)) {
		for (const line of lines) {
			if (line.trim().length === 0) continue;
			const record = JSON.parse(line) as Record<string, unknown>;
			const text = record.text as string;
			let kept = true;
			for (const { spec, definition, field } of filters) {
				const score = definition.score(text, spec);
				if (!definition.keep(score, spec)) {
					kept = false;
					break;
				}
				record[field] = score;
			}
			if (!kept) continue;
			const key = normalizedHash(text);
			if (seen.has(key)) continue;
			seen.add(key);
			body += `${JSON.stringify(record)}\n`;
			rows += 1;
		}
	}
	const target = join(output, basename(file));
	await writeFile(`${target}.tmp`, body);
	await rename(`${target}.tmp`, target);
}
console.log(JSON.stringify({ rows, files: files.length }));
