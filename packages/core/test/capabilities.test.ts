import { describe, expect, it } from "vitest";
import {
	BaseExecutor,
	ErrorCodes,
	type ExecutionContext,
	type ExecutorConfig,
	type ExecutorIdentity,
	optionRules,
	optionSchema,
	type ProcessingStage,
	Resources,
	type ResourcesInit,
	requestedKinds,
	type Task,
} from "../src/index.ts";
import { DoubleStage, numbers } from "./fixtures.ts";

interface ProbeStageOptions {
	attempts?: number;
}

declare module "../src/stage.ts" {
	interface BackendStageOptions {
		probe?: ProbeStageOptions;
	}
}

const supports = {
	multiNode: false,
	processIsolation: false,
	abort: true,
	retries: false,
	streaming: false,
	ignoreFailures: false,
};

interface ProbeConfig extends ExecutorConfig {
	size?: number;
}

/** Records whether any work started: preflight of a stage or `executeStages`. */
class ProbeExecutor extends BaseExecutor<ProbeConfig> {
	started = false;
	constructor(config: ProbeConfig = {}, identity: Partial<ExecutorIdentity> = {}) {
		super(config, {
			backend: "probe",
			supports,
			configSchema: optionSchema<{ size?: number }>({ size: optionRules.whole() }),
			stageOptions: {
				key: "probe",
				schema: optionSchema<ProbeStageOptions>({ attempts: optionRules.whole() }),
			},
			...identity,
		});
	}
	protected override async executeStages(
		_s: ProcessingStage[],
		tasks: Task[],
		_c: ExecutionContext,
	) {
		this.started = true;
		return tasks;
	}
}

class PreflightStage extends DoubleStage {
	preflights = 0;
	override preflight(): void {
		this.preflights += 1;
	}
}

describe("requestedKinds", () => {
	it("lists the kinds set to other than their default, never cpus", () => {
		const of = (init: ResourcesInit) => requestedKinds(new Resources(init).toJSON());
		expect(of({ cpus: 4 })).toEqual([]);
		expect(of({ gpus: 1, entireGpu: true, nvdecs: 2 })).toEqual(["gpus", "nvdecs", "entireGpu"]);
		expect(of({ gpuMemoryGb: 8, nvencs: 1 })).toEqual(["gpuMemoryGb", "nvencs"]);
	});
});

describe("BaseExecutor capabilities", () => {
	it.each<[ResourcesInit, string]>([
		[{ gpus: 1 }, "gpus"],
		[{ gpuMemoryGb: 4 }, "gpuMemoryGb"],
		[{ nvdecs: 1 }, "nvdecs"],
		[{ nvencs: 1 }, "nvencs"],
		[{ gpus: 1, entireGpu: true }, "entireGpu"],
	])(
		"refuses %j before preflight when the backend does not schedule %s",
		async (resources, kind) => {
			const schedules = (["gpus", "gpuMemoryGb"] as const).filter((k) => k !== kind);
			const executor = new ProbeExecutor({}, { schedules });
			const stage = new PreflightStage().with({ name: "Decode", resources });
			const run = executor.run([new PreflightStage(), stage], numbers([1]));
			await expect(run).rejects.toMatchObject({
				code: ErrorCodes.unsatisfiableResources,
				message: expect.stringMatching(new RegExp(`^probe: stage "Decode" asks for ${kind}, `)),
			});
			expect([stage.preflights, executor.started]).toEqual([0, false]);
		},
	);

	it("runs a stage whose kinds are all declared", async () => {
		const executor = new ProbeExecutor({}, { schedules: ["gpus", "nvdecs"] });
		const stage = new DoubleStage().with({ resources: { gpus: 1, nvdecs: 2 } });
		await executor.run([stage], numbers([1]));
		expect(executor.started).toBe(true);
	});

	it("names every kind a stage asks for that the backend does not schedule", async () => {
		const executor = new ProbeExecutor({}, { schedules: ["gpuMemoryGb"] });
		const stage = new DoubleStage().with({ name: "W", resources: { gpus: 2, entireGpu: true } });
		await expect(executor.run([stage])).rejects.toThrow(
			'probe: stage "W" asks for gpus and entireGpu, which this backend cannot schedule (it schedules cpus, gpuMemoryGb)',
		);
	});

	it("schedules no kind beyond cpus unless declared", async () => {
		const executor = new ProbeExecutor();
		expect(executor.schedules).toEqual([]);
		const stage = new DoubleStage().with({ name: "G", resources: { gpus: 0.5 } });
		await expect(executor.run([stage])).rejects.toThrow(/stage "G" asks for gpus.*cpus only/);
	});
});

describe("BaseExecutor option schemas", () => {
	it("rejects an unknown or bad config key at construction, by name", () => {
		expect(() => new ProbeExecutor({ sise: 2 } as never)).toThrow(
			expect.objectContaining({
				code: ErrorCodes.invalidConfig,
				message: 'probe: unknown config key "sise"',
			}),
		);
		expect(() => new ProbeExecutor({ size: 0 })).toThrow(
			"probe: size must be a whole number >= 1, got 0",
		);
		expect(() => new ProbeExecutor({ ignoreHeadNode: "no" as never })).toThrow(
			"probe: ignoreHeadNode must be true or false",
		);
	});

	it("accepts the keys every executor has", () => {
		expect(() => new ProbeExecutor({ ignoreHeadNode: true, logger: undefined })).not.toThrow();
	});

	it("rejects a stage's unknown or bad own options before preflight, naming stage and path", async () => {
		for (const [probe, problem] of [
			[{ atempts: 1 }, "unknown option backend.probe.atempts"],
			[{ attempts: 0 }, "backend.probe.attempts must be a whole number >= 1, got 0"],
		] as const) {
			const executor = new ProbeExecutor();
			const stage = new PreflightStage().with({ name: "S", backend: { probe: probe as never } });
			await expect(executor.run([stage])).rejects.toMatchObject({
				code: ErrorCodes.invalidConfig,
				message: `probe: stage "S": ${problem}`,
			});
			expect([stage.preflights, executor.started]).toEqual([0, false]);
		}
	});

	it("leaves other backends' per-stage options alone", async () => {
		const executor = new ProbeExecutor();
		const stage = new DoubleStage().with({ backend: { other: { anything: 1 } } as never });
		await executor.run([stage]);
		expect(executor.started).toBe(true);
	});
});
