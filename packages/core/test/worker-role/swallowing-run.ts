// Like top-level-run.ts, but the script catches the run's error and goes on.
import { Pipeline } from "../../src/index.ts";
import { DoubleStage } from "../fixtures.ts";
import { CountingExecutor } from "./counting-executor.ts";

try {
	await new Pipeline({ name: "swallowed" }).addStage(new DoubleStage()).run(new CountingExecutor());
} catch {
	// A script that logs and carries on.
}
