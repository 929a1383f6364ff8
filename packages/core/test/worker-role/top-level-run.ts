// A user's script: registers its stage and runs its pipeline at top level, unguarded.
import { Pipeline, registerModule } from "../../src/index.ts";
import { DoubleStage } from "../fixtures.ts";
import { CountingExecutor } from "./counting-executor.ts";

export class TopLevelStage extends DoubleStage {}

registerModule(import.meta.url, { TopLevelStage });

await new Pipeline({ name: "top-level" }).addStage(new TopLevelStage()).run(new CountingExecutor());
