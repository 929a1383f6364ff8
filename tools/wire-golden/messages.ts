/**
 * The golden messages of the two ZeroMQ wires, one per message type (and
 * direction where both sides send it). Values keep to the codec rules of the
 * schema documents: whole numbers only as integers within 32 bits, fractions
 * that are not whole, text as str, bytes only in payload frames.
 */

/** A message of the executor <-> driver wire (link A, and link C's `event`). */
export interface LinkMessage {
	name: string;
	type: string;
	from: "executor" | "driver" | "actor";
	id: number;
	fields: Record<string, unknown>;
	parts: string[];
}

/** A message of the stage actor <-> worker host wire. */
export interface HostGolden {
	name: string;
	from: "actor" | "host";
	/** The envelope without `session` and `parts`, in the order its sender writes it. */
	envelope: Record<string, unknown>;
	/** Payload frames given as `parts: n`. */
	parts?: string[];
	/** The one byte frame (frame 1) of `init` / single-payload `process`. */
	single?: string;
}

const perf = {
	stageName: "Shout",
	batchId: "0_0",
	processTimeS: 0.25,
	idleTimeS: 0.5,
	inputSizeBytes: 120,
	numItemsProcessed: 3,
	numTasksProcessed: 2,
};

/** Executor <-> driver messages, in the order of a run. */
export const linkMessages: LinkMessage[] = [
	{
		name: "hello",
		type: "hello",
		from: "driver",
		id: 1,
		fields: {
			versions: [1],
			driver: { name: "ray_js_bridge", version: "0.1.0" },
			python: "3.12.3",
			ray: "2.55.0",
			xenna: null,
			capabilities: {
				executionModes: ["streaming", "batch"],
				curve: true,
				ignoreFailures: true,
				cancel: true,
				events: true,
			},
			pid: 40213,
		},
		parts: [],
	},
	{ name: "welcome", type: "welcome", from: "executor", id: 1, fields: { version: 1 }, parts: [] },
	{
		name: "submit",
		type: "submit",
		from: "executor",
		id: 2,
		fields: {
			run: {
				executionMode: "streaming",
				loggingIntervalS: 60,
				ignoreFailures: false,
				cpuAllocationPercentage: 0.95,
				autoscaleIntervalS: 180,
				objectStoreMemoryMb: 2048,
				resourceMonitor: false,
				ignoreHeadNode: false,
			},
			worker: { node: "/usr/bin/node", entry: "/opt/curator/worker-host.js", env: {} },
			stages: [
				{
					name: "Shout",
					className: "ShoutStage",
					key: "0",
					isSource: false,
					batchSize: 4,
					barrier: false,
					resources: { cpus: 1, gpus: 0.5 },
					numWorkers: "auto",
					numSetupAttempts: 1,
					numRunAttempts: 1,
					ignoreFailures: false,
					processTimeoutS: 60,
					teardownTimeoutS: 30,
				},
			],
		},
		parts: ["stage descriptor of Shout (opaque)"],
	},
	{
		name: "input",
		type: "input",
		from: "executor",
		id: 3,
		fields: {
			tasks: [
				{ id: "0_0", numItems: 1 },
				{ id: "0_1", numItems: 2 },
			],
			last: true,
		},
		parts: ["task payload 0_0 (opaque)", "task payload 0_1 (opaque)"],
	},
	{
		name: "event",
		type: "event",
		from: "driver",
		id: 2,
		fields: {
			events: [
				{ type: "worker:start", stage: "Shout", workerId: "w-1", pid: 40300 },
				{
					type: "batch:done",
					workerId: "w-1",
					stage: "Shout",
					tasksIn: 2,
					tasksOut: 2,
					itemsIn: 3,
					itemsOut: 3,
					perf,
					inputIds: ["0_0", "0_1"],
					outputIds: ["0_0_0", "0_1_0"],
					filteredIds: [],
				},
				{
					type: "log",
					level: "info",
					message: "stage started",
					fields: { logger: "ray_js_bridge" },
				},
			],
		},
		parts: [],
	},
	{
		name: "output",
		type: "output",
		from: "driver",
		id: 3,
		fields: { tasks: [{ id: "0_0", numItems: 1 }], last: true },
		parts: ["task payload 0_0 out (opaque)"],
	},
	{
		name: "done",
		type: "done",
		from: "driver",
		id: 4,
		fields: { outputs: 1, reusable: true },
		parts: [],
	},
	{
		name: "error-driver",
		type: "error",
		from: "driver",
		id: 5,
		fields: {
			error: {
				code: "CURATOR_STAGE_FAILED",
				message: "Shout failed: boom",
				stage: "Shout",
				taskIds: ["0_1"],
				workerId: "w-1",
				attempts: 2,
				exitCause: "exit code 1",
			},
			reusable: true,
		},
		parts: [],
	},
	{
		name: "error-executor",
		type: "error",
		from: "executor",
		id: 4,
		fields: {
			error: { code: "CURATOR_PROTOCOL", message: 'rejected: unknown message type "launch"' },
			replyTo: 6,
		},
		parts: [],
	},
	{
		name: "cancel",
		type: "cancel",
		from: "executor",
		id: 5,
		fields: { reason: "SIGINT" },
		parts: [],
	},
	{ name: "close", type: "close", from: "executor", id: 6, fields: {}, parts: [] },
	{
		name: "actor-event",
		type: "event",
		from: "actor",
		id: 1,
		fields: { event: { type: "retry", stage: "Shout", taskIds: ["0_1"], attempt: 2 } },
		parts: [],
	},
];

const worker = { workerId: "w-1", allocation: { cpus: 1, gpus: 0 } };

/** Worker-host messages: the actor's requests, then the host's replies. */
export const hostMessages: HostGolden[] = [
	{
		name: "init",
		from: "actor",
		envelope: { v: 1, id: 1, type: "init", key: "0", isSource: false },
		single: "stage descriptor of Shout (opaque)",
	},
	{
		name: "setupOnNode",
		from: "actor",
		envelope: { v: 1, id: 2, type: "setupOnNode", key: "0", node: { nodeId: "n-1" }, worker },
	},
	{ name: "setup", from: "actor", envelope: { v: 1, id: 3, type: "setup", key: "0", worker } },
	{
		name: "process",
		from: "actor",
		envelope: { v: 1, id: 4, type: "process", keys: ["0"], split: true },
		parts: ["task payload 0_0 (opaque)", "task payload 0_1 (opaque)"],
	},
	{ name: "teardown", from: "actor", envelope: { v: 1, id: 5, type: "teardown", key: "0" } },
	{ name: "shutdown", from: "actor", envelope: { v: 1, id: 6, type: "shutdown" } },
	{ name: "ok", from: "host", envelope: { v: 1, id: 3, type: "ok" } },
	{
		name: "ok-process",
		from: "host",
		envelope: {
			v: 1,
			id: 4,
			type: "ok",
			tasks: [
				{ taskId: "0_0", numItems: 1 },
				{ taskId: "0_1", numItems: 2 },
			],
			stats: [
				{
					stage: "Shout",
					tasksIn: 2,
					tasksOut: 2,
					itemsIn: 3,
					itemsOut: 3,
					perf,
					inputIds: ["0", "1"],
					outputIds: ["0_0", "1_0"],
					filteredIds: [],
				},
			],
		},
		parts: ["task payload 0_0 out (opaque)", "task payload 0_1 out (opaque)"],
	},
	{
		name: "error",
		from: "host",
		envelope: {
			v: 1,
			id: 4,
			type: "error",
			error: { message: "boom", code: "CURATOR_STAGE_FAILED", stage: "Shout", taskIds: ["0_1"] },
		},
	},
	{
		name: "log",
		from: "host",
		envelope: {
			v: 1,
			type: "log",
			level: "warn",
			message: "slow batch",
			fields: { stage: "Shout" },
		},
	},
];
