import { join } from "node:path";
import { MultiplyStage } from "@curator/conformance/fixtures";
import {
	AbortError,
	BARRIER_BATCH_SIZE,
	type CuratorError,
	ErrorCodes,
	ProcessingStage,
	StageError,
} from "@curator/core";
import { afterEach, describe, expect, it } from "vitest";
import { driverError } from "../src/errors.ts";
import {
	bridgePaths,
	decodeMessage,
	driverMessageTypes,
	encodeMessage,
	executorMessageTypes,
	helloProblem,
	resolvePython,
	setupCommand,
	WireRejection,
	XennaDriverError,
	XennaEnvironmentError,
	XennaExecutor,
} from "../src/index.ts";
import { isLoopback } from "../src/session.ts";
import { pipelineWire, runWire } from "../src/spec.ts";

const key = "k".repeat(64);
const limit = 1024;

function rejection(
	frames: Uint8Array[],
	accepted: readonly string[] = driverMessageTypes,
): WireRejection {
	try {
		decodeMessage(frames, key, accepted, limit);
	} catch (error) {
		if (error instanceof WireRejection) return error;
		throw error;
	}
	throw new Error("the message was accepted");
}

describe("executor wire", () => {
	it("round-trips envelope fields and opaque payload frames", () => {
		const parts = [new Uint8Array([0, 1, 2]), new Uint8Array([255])];
		const frames = encodeMessage(
			key,
			"output",
			7,
			{ tasks: [{ id: "0_0", numItems: 1 }], none: undefined },
			parts,
		);
		const message = decodeMessage(frames, key, driverMessageTypes, limit);
		expect(message).toEqual({
			type: "output",
			id: 7,
			fields: { tasks: [{ id: "0_0", numItems: 1 }] },
			parts,
		});
	});

	it("rejects a wrong session key, keeping the message id", () => {
		const error = rejection(encodeMessage("guess", "done", 3));
		expect([error.message, error.messageId]).toEqual(["wrong session key", 3]);
	});

	it("rejects unknown types and the other side's types", () => {
		expect(rejection(encodeMessage(key, "launch" as never, 1)).message).toBe(
			'unknown message type "launch"',
		);
		expect(rejection(encodeMessage(key, "submit", 1)).message).toBe(
			'unknown message type "submit"',
		);
		expect(rejection(encodeMessage(key, "hello", 1), executorMessageTypes).message).toBe(
			'unknown message type "hello"',
		);
	});

	it("rejects payloads over the limit, and frame counts that differ from parts", () => {
		const big = [new Uint8Array(600), new Uint8Array(600)];
		expect(rejection(encodeMessage(key, "output", 1, {}, big)).message).toBe(
			"payload of 1200 bytes is over the limit of 1024",
		);
		const [head] = encodeMessage(key, "output", 2, {}, [new Uint8Array(1)]);
		expect(rejection([head as Uint8Array]).message).toBe(
			"envelope announces 1 payload frames, got 0",
		);
	});

	it("rejects malformed envelopes and other versions", () => {
		expect(rejection([new Uint8Array([0x92])]).message).toBe("malformed envelope");
		expect(rejection([]).message).toBe("empty message");
		const [head] = encodeMessage(key, "done", 1);
		const other = (head as Buffer).toString("hex").replace("a17601", "a17602");
		expect(rejection([Buffer.from(other, "hex")]).message).toBe("unsupported protocol version 2");
	});
});

describe("driver greeting", () => {
	const hello = {
		versions: [1],
		driver: { name: "ray_js_bridge", version: "0.1.0" },
		python: "3.11.7",
		ray: "2.55.1",
		xenna: "0.2.0",
	};

	it("accepts a driver that speaks version 1 and has ray and cosmos-xenna", () => {
		expect(helloProblem(hello)).toBeUndefined();
	});

	it("refuses other protocol versions", () => {
		expect(helloProblem({ ...hello, versions: [2] })).toBeInstanceOf(XennaDriverError);
	});

	it("a driver without ray or cosmos-xenna is an environment error with the set-up command", () => {
		const problem = helloProblem({ ...hello, ray: null, xenna: null });
		expect(problem).toBeInstanceOf(XennaEnvironmentError);
		expect(problem?.message).toContain("has no ray and cosmos-xenna installed");
		expect(problem?.message).toContain(
			`Set up the bridge's Python environment with: ${setupCommand()}`,
		);
	});
});

describe("python and set-up command", () => {
	const saved = process.env.CURATOR_XENNA_PYTHON;
	afterEach(() => {
		if (saved === undefined) delete process.env.CURATOR_XENNA_PYTHON;
		else process.env.CURATOR_XENNA_PYTHON = saved;
	});

	it("in a checkout, the set-up command is the project's venv script", () => {
		const paths = bridgePaths();
		expect(paths.repoRoot).toBeDefined();
		expect(setupCommand(paths)).toBe(
			join(paths.repoRoot as string, "tools", "env", "python-venv.sh"),
		);
	});

	it("installed elsewhere, it is a venv plus pip install of the shipped package", () => {
		const paths = { ...bridgePaths(), repoRoot: undefined, venvPython: undefined };
		expect(setupCommand(paths)).toBe(
			`python3.12 -m venv .venv && .venv/bin/pip install '${join(paths.packageRoot, "python")}' && export CURATOR_XENNA_PYTHON=$PWD/.venv/bin/python`,
		);
	});

	it("python: the config, then CURATOR_XENNA_PYTHON, then the project venv", () => {
		const paths = { ...bridgePaths(), venvPython: process.execPath };
		process.env.CURATOR_XENNA_PYTHON = "/opt/py/bin/python";
		expect(resolvePython("/x/python", paths)).toBe("/x/python");
		expect(resolvePython(undefined, paths)).toBe("/opt/py/bin/python");
		delete process.env.CURATOR_XENNA_PYTHON;
		expect(resolvePython(undefined, paths)).toBe(process.execPath);
		expect(resolvePython(undefined, { ...paths, venvPython: "/nowhere/python" })).toBeUndefined();
	});
});

describe("config and submit", () => {
	it("validates the config up front, naming the key", () => {
		const bad = [
			[{ executionMode: "eager" }, "executionMode"],
			[{ cpuAllocationPercentage: 0 }, "cpuAllocationPercentage"],
			[{ numRunAttempts: 0 }, "numRunAttempts"],
			[{ keepAliveS: -1 }, "keepAliveS"],
			[{ loggingIntervalS: 0 }, "loggingIntervalS"],
			[{ rayAddress: " " }, "rayAddress"],
			[{ resourceMonitor: "yes" }, "resourceMonitor must be true or false"],
			[{ rayAdress: "h:1" }, 'unknown config key "rayAdress"'],
		] as const;
		for (const [config, name] of bad) {
			expect(() => new XennaExecutor(config as never), name).toThrow(
				expect.objectContaining({
					code: ErrorCodes.invalidConfig,
					message: expect.stringContaining(name),
				}),
			);
		}
	});

	it.each([
		[
			{ numWorkers: 2, numWorkersPerNode: 1 },
			"numWorkers and backend.xenna.numWorkersPerNode are exclusive",
		],
		[{ numWorkers: 0 }, "numWorkers must be a whole number >= 1, got 0"],
		[{ slotsPerActor: 1.5 }, "slotsPerActor must be a whole number >= 1, got 1.5"],
		[{ slotPerActor: 2 }, "unknown option backend.xenna.slotPerActor"],
	])(
		"refuses the stage options %j when a run starts, before the driver",
		async (xenna, problem) => {
			const stage = new MultiplyStage({ factor: 1 }).with({
				name: "X",
				backend: { xenna: xenna as never },
			});
			const run = new XennaExecutor({ python: "/nowhere/python" }).run([stage]);
			const path = problem.startsWith("unknown") ? "" : "backend.xenna.";
			await expect(run).rejects.toMatchObject({
				code: ErrorCodes.invalidConfig,
				message: `xenna-bridge: stage "X": ${path}${problem}`,
			});
		},
	);

	it.each([
		[{ nvdecs: 1 }, "nvdecs"],
		[{ nvencs: 1 }, "nvencs"],
		[{ gpus: 1, entireGpu: true }, "entireGpu"],
	])("refuses %j, which Xenna is not given, when a run starts", async (resources, kind) => {
		const stage = new MultiplyStage({ factor: 1, resources }).with({ name: "Codec" });
		const run = new XennaExecutor({ python: "/nowhere/python" }).run([stage]);
		await expect(run).rejects.toMatchObject({
			code: ErrorCodes.unsatisfiableResources,
			message: expect.stringContaining(`stage "Codec" asks for ${kind},`),
		});
	});

	it("supports.streaming follows the execution mode", () => {
		expect(new XennaExecutor().supports.streaming).toBe(true);
		expect(new XennaExecutor({ executionMode: "batch" }).supports.streaming).toBe(false);
	});

	it("maps stages: class name, role, batch size, resources and Xenna options with defaults", () => {
		const first = new MultiplyStage({ factor: 2, batchSize: 3, resources: { cpus: 0.5 } });
		first.role = "source";
		const second = new MultiplyStage({
			factor: 3,
			name: "Tripler",
			resources: { gpuMemoryGb: 4 },
		}).with({
			backend: { xenna: { numWorkersPerNode: 2, numRunAttempts: 5, slotsPerActor: 4 } },
		});
		const wire = pipelineWire([first, second], { numRunAttempts: 3, ignoreFailures: true });
		expect(wire.descriptors).toHaveLength(2);
		expect(wire.stages).toEqual([
			{
				name: "MultiplyStage",
				className: "MultiplyStage",
				key: "0",
				members: [{ name: "MultiplyStage", index: 0 }],
				isSource: true,
				batchSize: 3,
				barrier: false,
				resources: { cpus: 0.5, gpus: 0 },
				numSetupAttempts: 2,
				numRunAttempts: 3,
				ignoreFailures: true,
				teardownTimeoutS: 30,
			},
			{
				name: "Tripler",
				className: "MultiplyStage",
				key: "1",
				members: [{ name: "Tripler", index: 1 }],
				isSource: false,
				batchSize: 1,
				barrier: false,
				resources: { cpus: 1, gpus: 1 },
				numWorkersPerNode: 2,
				numSetupAttempts: 2,
				numRunAttempts: 5,
				ignoreFailures: true,
				teardownTimeoutS: 30,
				slotsPerActor: 4,
			},
		]);
	});

	it("fuses neighbours under the runtime's rule when their other xenna options match", () => {
		const plain = (name: string) => new MultiplyStage({ factor: 1, name });
		const stages = [
			plain("a"),
			plain("b"),
			plain("c").with({ backend: { xenna: { slotsPerActor: 4 } } }),
			plain("d").with({ backend: { xenna: { slotsPerActor: 4, numRunAttempts: 2 } } }),
			plain("e").with({ backend: { xenna: { slotsPerActor: 4, numRunAttempts: 2 } } }),
			plain("f").with({ backend: { xenna: { fuse: false } } }),
			plain("g"),
		];
		const wire = pipelineWire(stages, { numRunAttempts: 2 });
		expect(wire.descriptors).toHaveLength(7);
		expect(wire.stages.map(({ name, key, className }) => ({ name, key, className }))).toEqual([
			{ name: "a+b", key: "0", className: "MultiplyStage_MultiplyStage" },
			{ name: "c+d+e", key: "2", className: "MultiplyStage_MultiplyStage_MultiplyStage" },
			{ name: "f", key: "5", className: "MultiplyStage" },
			{ name: "g", key: "6", className: "MultiplyStage" },
		]);
		expect(wire.stages[1]?.members).toEqual([
			{ name: "c", index: 2 },
			{ name: "d", index: 3 },
			{ name: "e", index: 4 },
		]);
		const apart = pipelineWire(stages.slice(0, 2), { fuseStages: false });
		expect(apart.stages.map((stage) => stage.name)).toEqual(["a", "b"]);
	});

	it("marks a barrier stage (core's isBarrier), which the driver runs on its own", () => {
		const barrier = new MultiplyStage({ factor: 1, batchSize: BARRIER_BATCH_SIZE });
		const wire = pipelineWire([new MultiplyStage({ factor: 1 }), barrier], {});
		expect(wire.stages.map((stage) => stage.barrier)).toEqual([false, true]);
	});

	it("refuses a stage that cannot travel", () => {
		class Unregistered extends ProcessingStage {
			override process() {
				return null;
			}
		}
		expect(() => pipelineWire([new Unregistered()], {})).toThrow(
			expect.objectContaining({ code: ErrorCodes.notPortable }),
		);
	});

	it("run settings: defaults, and RAY_ADDRESS when rayAddress is not set", () => {
		const saved = process.env.RAY_ADDRESS;
		process.env.RAY_ADDRESS = "10.0.0.1:6379";
		try {
			expect(runWire({})).toEqual({
				executionMode: "streaming",
				loggingIntervalS: 60,
				ignoreFailures: false,
				cpuAllocationPercentage: 0.95,
				autoscaleIntervalS: 180,
				rayAddress: "10.0.0.1:6379",
				resourceMonitor: false,
				reuseActors: true,
				ignoreHeadNode: false,
			});
			expect(runWire({ rayAddress: "127.0.0.1:1" }).rayAddress).toBe("127.0.0.1:1");
		} finally {
			if (saved === undefined) delete process.env.RAY_ADDRESS;
			else process.env.RAY_ADDRESS = saved;
		}
		expect(() => new XennaExecutor({ maxWorkersPerStage: 1.5 })).toThrow(/maxWorkersPerStage/);
	});

	it("CURVE is used exactly when the bind address is not loopback", () => {
		expect(["127.0.0.1", "127.1.2.3", "localhost", "::1"].map(isLoopback)).toEqual([
			true,
			true,
			true,
			true,
		]);
		expect(["0.0.0.0", "10.1.2.3", "::", "example.org"].map(isLoopback)).toEqual([
			false,
			false,
			false,
			false,
		]);
	});
});

describe("driver errors", () => {
	it("a stage failure becomes a StageError with stage, task ids, worker, attempts and exit", () => {
		const error = driverError({
			code: "CURATOR_STAGE_FAILED",
			message: "boom",
			stage: "S",
			taskIds: ["0_1"],
			workerId: "Stage 00 - S-1",
			attempts: 2,
			exitCause: "signal SIGKILL",
		});
		expect(error).toBeInstanceOf(StageError);
		expect(error.message).toBe(
			'stage "S" failed on tasks [0_1], worker Stage 00 - S-1, after 2 attempt(s), worker exit: signal SIGKILL: boom',
		);
	});

	it("other codes keep their code, with the backend's prefix", () => {
		expect(driverError({ code: "CURATOR_ABORTED", message: "run cancelled" })).toBeInstanceOf(
			AbortError,
		);
		const unsatisfiable = driverError({
			code: "CURATOR_UNSATISFIABLE_RESOURCES",
			message: "too big",
		});
		expect(unsatisfiable).toMatchObject({
			code: "CURATOR_UNSATISFIABLE_RESOURCES",
			message: "xenna-bridge: too big",
		});
		const odd = driverError({ code: "SOMETHING_ELSE", message: "odd" }) as CuratorError;
		expect(odd.code).toBe(ErrorCodes.workerFailed);
		expect(
			driverError({
				code: "CURATOR_INVALID_CONFIG",
				missing: "ray",
				message: "No module named 'ray'",
			}),
		).toBeInstanceOf(XennaEnvironmentError);
	});
});
