import { CuratorError, ErrorCodes } from "./errors.ts";

/**
 * What a worker (process, thread or bridge Node worker) knows of itself.
 * Kept on `globalThis` under a registered symbol: one per process, and one
 * per thread (each worker thread has its own global object), never inherited
 * by processes a stage starts, which may run pipelines of their own.
 */
interface WorkerRole {
	/** Modules being imported to rebuild stages or tasks. */
	importing: Set<string>;
	/** Modules imported so far, in order. */
	imported: string[];
	onRefused: ((error: CuratorError) => void) | undefined;
}

const roleKey = Symbol.for("curator.workerRole");

function currentRole(): WorkerRole | undefined {
	return (globalThis as unknown as Record<symbol, WorkerRole | undefined>)[roleKey];
}

/** How to keep a module's top-level run out of the workers that import it. */
export const RUN_IN_WORKER_FIX =
	"keep registered stages and tasks in a module of their own, or guard the top-level run with " +
	"`if (import.meta.main)` (Node 22.18+; on older Node 22, " +
	"`if (import.meta.filename === process.argv[1])`)";

/**
 * Marks this process or thread as a worker: from now on, starting a pipeline
 * run here fails with `CURATOR_RUN_IN_WORKER` (see {@link refuseRunInWorker}).
 * `onRefused` hears of each refused run, so the worker host can fail its
 * requests with that error even when the module's code swallows it.
 */
export function markAsWorker(onRefused?: (error: CuratorError) => void): void {
	const holder = globalThis as unknown as Record<symbol, WorkerRole | undefined>;
	const role = holder[roleKey] ?? { importing: new Set(), imported: [], onRefused: undefined };
	role.onRefused = onRefused;
	holder[roleKey] = role;
}

/** Whether this process or thread was marked as a worker. */
export function isWorker(): boolean {
	return currentRole() !== undefined;
}

/**
 * Notes that a worker imports `module` (to rebuild a stage or task class)
 * until `loading` settles, so a run started by the module's top-level code
 * can be traced to it. Does nothing outside a worker.
 */
export function noteWorkerImport(module: string, loading: Promise<unknown>): void {
	const role = currentRole();
	if (role === undefined) return;
	role.importing.add(module);
	const done = (): void => {
		role.importing.delete(module);
		role.imported.push(module);
	};
	loading.then(done, done);
}

/**
 * Throws `CURATOR_RUN_IN_WORKER` when called in a worker. A worker never
 * starts a run: one that does was started by a module the worker imported
 * for its registered classes, a module that also runs its pipeline at top
 * level, and each of its workers would start the run again, without end.
 */
export function refuseRunInWorker(backend: string): void {
	const role = currentRole();
	if (role === undefined) return;
	const module = culprit(role);
	const error = new CuratorError(
		ErrorCodes.runInWorker,
		`${backend}: a pipeline run was started inside a worker by ${module}, which the worker imported ` +
			`for its registered classes (each worker would start the run again, without end): ${RUN_IN_WORKER_FIX}`,
	);
	role.onRefused?.(error);
	throw error;
}

/** The imported module that started the run: the one on the call stack, else the one being imported. */
function culprit(role: WorkerRole): string {
	const candidates = [...role.importing, ...[...role.imported].reverse()];
	const stack = new Error().stack ?? "";
	const onStack = candidates.find((module) => stack.includes(`${module}:`));
	if (onStack !== undefined) return onStack;
	if (role.importing.size > 0) return [...role.importing].join(", ");
	return role.imported.length > 0 ? role.imported.join(", ") : "a module it imported";
}
