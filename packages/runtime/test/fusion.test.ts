import { ProcessingStage, type Task } from "@curator/core";
import { describe, expect, it } from "vitest";
import { type FusionRules, fuseStages } from "../src/planning/fusion.ts";

class S extends ProcessingStage {
	override process(task: Task): Task {
		return task;
	}
}

const names = (groups: ProcessingStage[][]) => groups.map((group) => group.map((s) => s.name));
const rules: FusionRules = { enabled: true, optionsOf: () => undefined, config: {} };

// The whole rule is exercised through the actor pool's fusion test; these pin the hooks.
describe("fuseStages", () => {
	it("groups stateless neighbours after a source, and nothing when disabled", () => {
		const stages = [
			new S({ name: "source", role: "source" }),
			new S({ name: "a" }),
			new S({ name: "b" }),
		];
		expect(names(fuseStages(stages, rules))).toEqual([["source"], ["a", "b"]]);
		expect(names(fuseStages(stages, { ...rules, enabled: false }))).toEqual([
			["source"],
			["a"],
			["b"],
		]);
	});

	it("reads the opt-out and the fault options from the backend's own options", () => {
		const own = new Map<string, { fuse?: boolean; numRunAttempts?: number }>([
			["out", { fuse: false }],
			["retries", { numRunAttempts: 7 }],
		]);
		const stages = ["a", "out", "b", "retries", "c"].map((name) => new S({ name }));
		const grouped = fuseStages(stages, { ...rules, optionsOf: (s) => own.get(s.name) });
		expect(names(grouped)).toEqual([["a"], ["out"], ["b"], ["retries"], ["c"]]);
	});

	it("keeps apart neighbours the backend does not find alike", () => {
		const stages = ["a", "b", "c"].map((name) => new S({ name }));
		const alike = (x: ProcessingStage, y: ProcessingStage) => !(x.name === "b" && y.name === "c");
		expect(names(fuseStages(stages, { ...rules, alike }))).toEqual([["a", "b"], ["c"]]);
	});
});
