#!/usr/bin/env node
import { runCli } from "./main.ts";

// `curator run demo | head` closes stdout early: that is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
	stream.on("error", (error: NodeJS.ErrnoException) => {
		if (error.code !== "EPIPE") throw error;
	});
}

process.exitCode = await runCli(process.argv.slice(2));
