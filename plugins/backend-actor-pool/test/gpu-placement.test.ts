import { registerGpuPlacementCases } from "@curator/conformance";
import { describe } from "vitest";
import { ActorPoolExecutor } from "../src/index.ts";

describe("backend-actor-pool (processes)", () => {
	registerGpuPlacementCases(
		(settings) => new ActorPoolExecutor({ isolation: "process", ...settings }),
	);
});
