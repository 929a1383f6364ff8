// A worker thread that marks itself as a worker and imports the module named in workerData.
import { parentPort, workerData } from "node:worker_threads";
import { markAsWorker, noteWorkerImport } from "../../src/index.ts";

const heard: string[] = [];
markAsWorker((error) => heard.push(error.message));
const module = workerData as string;
const loading = import(module);
noteWorkerImport(module, loading);
const executed = () => (globalThis as { executedRuns?: number }).executedRuns ?? 0;
try {
	await loading;
	parentPort?.postMessage({ loaded: true, heard, executed: executed() });
} catch (error) {
	const { code, message } = error as { code?: string; message: string };
	parentPort?.postMessage({ loaded: false, code, message, heard, executed: executed() });
}
