import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Collect = () => void;

let collect: Collect | undefined;

/**
 * Runs a full garbage collection now, so that a worker kept idle for later
 * work returns what its last batches left (their decoded tasks, the buffers
 * they came in) instead of holding it until V8 next needs room. Without
 * `--expose-gc`, exposes V8's `gc` for this call only (in a fresh context).
 */
export function collectGarbage(): void {
	if (collect === undefined) {
		const exposed = (globalThis as { gc?: Collect }).gc;
		if (exposed !== undefined) collect = exposed;
		else {
			setFlagsFromString("--expose-gc");
			collect = runInNewContext("gc") as Collect;
			setFlagsFromString("--no-expose-gc");
		}
	}
	collect();
}
