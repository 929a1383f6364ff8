import { describe, expect, it } from "vitest";
import { optionRules, optionSchema, optionsProblem } from "../src/index.ts";

interface Sample {
	attempts?: number;
	mode?: "a" | "b";
	share?: number;
	workers?: number | "auto";
	on?: boolean;
	name?: string;
	min?: number;
	max?: number;
}

const schema = optionSchema<Sample>(
	{
		attempts: optionRules.whole(),
		mode: optionRules.oneOf("a", "b"),
		share: optionRules.number({ above: 0, max: 1 }),
		workers: optionRules.anyOf(optionRules.whole(), optionRules.oneOf("auto")),
		on: optionRules.boolean,
		name: optionRules.text,
		min: optionRules.whole(0),
		max: optionRules.whole(0),
	},
	(options, prefix) =>
		options.min !== undefined && options.max !== undefined && options.min > options.max
			? `${prefix}min is larger than ${prefix}max`
			: undefined,
);

describe("optionsProblem", () => {
	it("accepts valid values and unset (undefined) keys", () => {
		const valid: Sample = { attempts: 2, mode: "b", share: 1, workers: "auto", on: false };
		expect(optionsProblem(schema, valid)).toBeUndefined();
		expect(optionsProblem(schema, { attempts: undefined, name: "x", min: 0 })).toBeUndefined();
	});

	it.each([
		[{ atempts: 2 }, undefined, 'unknown config key "atempts"'],
		[{ atempts: 2 }, "backend.x", "unknown option backend.x.atempts"],
		[{ attempts: 0 }, undefined, "attempts must be a whole number >= 1, got 0"],
		[{ attempts: 1.5 }, "backend.x", "backend.x.attempts must be a whole number >= 1, got 1.5"],
		[{ mode: "c" }, undefined, 'mode must be "a" or "b", got "c"'],
		[{ share: 0 }, undefined, "share must be a number > 0 and <= 1, got 0"],
		[{ workers: "many" }, undefined, 'workers must be a whole number >= 1, got "many"'],
		[{ on: "yes" }, undefined, "on must be true or false"],
		[{ name: " " }, undefined, "name must be a non-empty string"],
		[{ min: 3, max: 2 }, "backend.x", "backend.x.min is larger than backend.x.max"],
		[null, "backend.x", "backend.x must be an object"],
		[[], undefined, "config must be an object"],
	])("%j at %s: %s", (options, path, message) => {
		expect(optionsProblem(schema, options, path)).toBe(message);
	});

	it("does not take inherited keys of Object.prototype for known keys", () => {
		expect(optionsProblem(schema, { toString: 1 })).toBe('unknown config key "toString"');
	});
});
