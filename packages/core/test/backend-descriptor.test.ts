import { describe, expect, it } from "vitest";
import {
	BaseExecutor,
	backendConfig,
	defineBackend,
	descriptorProblem,
	type ExecutorConfig,
	ignoredFlags,
	type ProcessingStage,
	silentLogger,
	type Task,
} from "../src/index.ts";

interface ToyConfig extends ExecutorConfig {
	maxWorkers?: number;
	address?: string;
	mode?: string;
}

class ToyExecutor extends BaseExecutor<ToyConfig> {
	constructor(config: ToyConfig = {}) {
		super(config, {
			backend: "toy",
			supports: {
				multiNode: false,
				processIsolation: false,
				abort: false,
				retries: false,
				ignoreFailures: false,
				streaming: false,
			},
		});
	}

	protected override async executeStages(_stages: ProcessingStage[], tasks: Task[]) {
		return tasks;
	}
}

const toy = defineBackend({
	name: "toy-cluster",
	executor: ToyExecutor,
	flags: { workers: "maxWorkers", rayAddress: "address" },
	environment: (env) => (env.TOY_MODE ? { mode: env.TOY_MODE } : {}),
});

describe("defineBackend", () => {
	it("returns a frozen descriptor", () => {
		expect(toy.name).toBe("toy-cluster");
		expect(Object.isFrozen(toy)).toBe(true);
		expect(Object.isFrozen(toy.flags)).toBe(true);
	});

	it.each([
		[{ name: "Toy Cluster", executor: ToyExecutor, flags: {} }, /name must be kebab-case/],
		[
			{ name: "toy", executor: "ToyExecutor", flags: {} },
			/backend "toy": executor must be a class/,
		],
		[{ name: "toy", executor: ToyExecutor }, /flags must be an object/],
		[
			{ name: "toy", executor: ToyExecutor, flags: { threads: "maxWorkers" } },
			/unknown flag "threads" \(flags: workers, rayAddress\)/,
		],
		[{ name: "toy", executor: ToyExecutor, flags: { workers: "" } }, /must map to a config key/],
		[
			{ name: "toy", executor: ToyExecutor, flags: {}, environment: {} },
			/environment must be a function/,
		],
	])("refuses %j by name with CURATOR_INVALID_CONFIG", (descriptor, message) => {
		expect(() => defineBackend(descriptor as never)).toThrow(message);
		expect(() => defineBackend(descriptor as never)).toThrow(
			expect.objectContaining({ code: "CURATOR_INVALID_CONFIG" }),
		);
	});

	it("tells what an imported value lacks", () => {
		expect(descriptorProblem(undefined)).toBe("not an object");
		expect(descriptorProblem(toy)).toBeUndefined();
	});
});

describe("backendConfig", () => {
	it("maps the flags the backend takes onto its config keys, over its environment", () => {
		const config = backendConfig(toy, {
			flags: { workers: 3, rayAddress: "head:6379" },
			logger: silentLogger,
			env: { TOY_MODE: "batch" },
		});
		expect(config).toEqual({
			mode: "batch",
			logger: silentLogger,
			maxWorkers: 3,
			address: "head:6379",
		});
		expect(new toy.executor(config).config.maxWorkers).toBe(3);
	});

	it("leaves out flags not given and those the backend does not take", () => {
		const local = defineBackend({ name: "plain", executor: ToyExecutor, flags: {} });
		expect(backendConfig(local, { flags: { workers: 2 }, logger: silentLogger })).toEqual({
			logger: silentLogger,
		});
		expect(ignoredFlags(local, { workers: 2 })).toEqual(["workers"]);
		expect(ignoredFlags(toy, { workers: 2, rayAddress: "h:1" })).toEqual([]);
		expect(ignoredFlags(local, {})).toEqual([]);
	});
});
