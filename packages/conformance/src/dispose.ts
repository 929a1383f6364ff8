/** Calls the executor's `[Symbol.asyncDispose]()` or `close()`, when it has one. */
export async function disposeExecutor(executor: unknown): Promise<void> {
	if (typeof executor !== "object" || executor === null) return;
	const disposable = executor as {
		[Symbol.asyncDispose]?: () => unknown;
		close?: () => unknown;
	};
	const asyncDispose = disposable[Symbol.asyncDispose];
	if (typeof asyncDispose === "function") await asyncDispose.call(executor);
	else if (typeof disposable.close === "function") await disposable.close();
}
