import { ActorPoolExecutor } from "../src/index.ts";

// The conformance kit's resume cases run their pipelines in a process of their own, which builds
// the executor from this module (see registerResumeCases).

/** A fresh executor with worker processes or threads. */
export function createExecutor(args: { isolation: "process" | "thread" }): ActorPoolExecutor {
	return new ActorPoolExecutor({ isolation: args.isolation });
}
