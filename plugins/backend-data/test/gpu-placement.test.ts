import { registerGpuPlacementCases } from "@curator/conformance";
import { describe } from "vitest";
import { DataExecutor } from "../src/index.ts";

describe("backend-data (processes)", () => {
	registerGpuPlacementCases((settings) => new DataExecutor({ isolation: "process", ...settings }));
});
