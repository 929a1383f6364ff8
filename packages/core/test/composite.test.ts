import { describe, expect, it } from "vitest";
import { CompositeStage, CuratorError, Pipeline, type ProcessingStage } from "../src/index.ts";
import { DoubleStage, SplitStage } from "./fixtures.ts";

class SplitThenDouble extends CompositeStage {
	override decompose(): ProcessingStage[] {
		return [new SplitStage(), new DoubleStage()];
	}
}

class Nested extends CompositeStage {
	override decompose(): ProcessingStage[] {
		return [new SplitThenDouble() as unknown as ProcessingStage];
	}
}

class Duplicated extends CompositeStage {
	override decompose(): ProcessingStage[] {
		return [new DoubleStage(), new DoubleStage()];
	}
}

describe("CompositeStage", () => {
	it("decomposes at build, applying overrides by sub-stage name", () => {
		const composite = new SplitThenDouble().with({ DoubleStage: { batchSize: 4 } });
		const stages = new Pipeline({ name: "p", stages: [composite] }).build();
		expect(stages.map((s) => [s.name, s.batchSize])).toEqual([
			["SplitStage", 1],
			["DoubleStage", 4],
		]);
	});

	it("with() leaves the original untouched and merges repeated overrides", () => {
		const base = new SplitThenDouble();
		const once = base.with({ DoubleStage: { batchSize: 4 } });
		const twice = once.with({ DoubleStage: { name: "D" } });
		expect(base.overrides).toEqual({});
		expect(twice.overrides).toEqual({ DoubleStage: { batchSize: 4, name: "D" } });
	});

	it("rejects an override naming a missing sub-stage", () => {
		const composite = new SplitThenDouble().with({ Missing: { batchSize: 2 } });
		const build = () => new Pipeline({ name: "p", stages: [composite] }).build();
		expect(build).toThrow(CuratorError);
		expect(build).toThrow(
			/override names "Missing", which is not one of \[SplitStage, DoubleStage\]/,
		);
	});

	it("rejects nested composites", () => {
		expect(() => new Pipeline({ name: "p", stages: [new Nested()] }).build()).toThrow(
			/nested composite "SplitThenDouble"/,
		);
	});

	it("rejects duplicate sub-stage names", () => {
		expect(() => new Pipeline({ name: "p", stages: [new Duplicated()] }).build()).toThrow(
			/duplicate sub-stage name "DoubleStage"/,
		);
	});
});
