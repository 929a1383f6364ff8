import { backendNames } from "./backends.ts";

/** The `curator --help` text. */
export function helpText(): string {
	return `curator: run Curator TS pipelines on any installed backend

Usage:
  curator run <pipeline file | example> [flags]   run a pipeline and print its summary
  curator describe <pipeline file | example>      print the pipeline's execution stages
  curator backends [--json]                       list the backend plugins and whether they are installed

A pipeline file is a .ts or .js module exporting createPipeline(options) or a default Pipeline.
Built-in example: demo (the embedded sample through heuristic filters and exact dedup).

Flags:
  --backend <name>     ${backendNames.join(" | ")} (default local)
  --input <path>       JSONL file or folder to read (default: the pipeline's own input)
  --output <dir>       folder to write to (default ./curator-out)
  --mode <mode>        error | overwrite | append | ignore: what to do when the output folder
                       is not empty (default error: refuse it)
  --checkpoint <dir>   make the run resumable: after a crash, the same command skips the
                       partitions already done and ends with the same output
  --restart            with --checkpoint: forget it and start over
  --workers <n>        workers per stage, for backends that run several
  --batch-size <n>     tasks per stage call
  --log-level <level>  debug | info | warn | error | silent (default warn)
  --progress <mode>    auto | bars | lines | none (default auto: bars on a terminal)
  --json               print the run summary as one JSON object on stdout
  -h, --help           this help
  -v, --version        the CLI's version

Exit codes: 0 done, 1 run failed, 2 bad usage, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
`;
}
