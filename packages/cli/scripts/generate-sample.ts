// Regenerates the embedded sample (packages/cli/sample/part-*.jsonl.gz) from the seeded generator.
// A test checks that the shipped files hold exactly what this writes.
import { fileURLToPath } from "node:url";
import { SAMPLE_COUNT, SAMPLE_FILES } from "../src/sample/embedded.ts";
import { writeDocuments } from "../src/sample/generate.ts";

const dir = fileURLToPath(new URL("../sample/", import.meta.url));
const paths = await writeDocuments({ dir, count: SAMPLE_COUNT, files: SAMPLE_FILES, gzip: true });
console.log(`wrote ${SAMPLE_COUNT} documents to ${paths.length} files in ${dir}`);
