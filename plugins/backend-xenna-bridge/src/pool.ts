import type { BridgeSession } from "./session.ts";

interface Idle {
	key: string;
	session: BridgeSession;
	timer: NodeJS.Timeout;
}

const idle = new Set<Idle>();
let exitHook = false;

/**
 * An idle driver started with the same settings (`key`), if one is alive;
 * it leaves the pool.
 */
export function takeIdleDriver(key: string): BridgeSession | undefined {
	for (const entry of idle) {
		if (entry.key !== key) continue;
		idle.delete(entry);
		clearTimeout(entry.timer);
		if (entry.session.driver.exit === undefined) return entry.session;
	}
	return undefined;
}

/**
 * Keeps a driver (and its Ray connection) for the next run with the same
 * settings; after `keepAliveMs` without one it is told to close and reaped.
 * Drivers still idle when this process exits are killed with it.
 */
export function keepIdleDriver(key: string, session: BridgeSession, keepAliveMs: number): void {
	const entry: Idle = {
		key,
		session,
		timer: setTimeout(() => {
			idle.delete(entry);
			void retire(session);
		}, keepAliveMs),
	};
	entry.timer.unref();
	idle.add(entry);
	void session.driver.exited.then(() => {
		if (idle.delete(entry)) {
			clearTimeout(entry.timer);
			void session.close(0);
		}
	});
	if (!exitHook) {
		exitHook = true;
		process.once("exit", () => {
			for (const { session: s } of idle) s.driver.killGroup();
		});
	}
}

/** Closes every idle driver now (e.g. at the end of a program or a test file). */
export async function closeIdleDrivers(): Promise<void> {
	const entries = [...idle];
	idle.clear();
	await Promise.all(
		entries.map((entry) => {
			clearTimeout(entry.timer);
			return retire(entry.session);
		}),
	);
}

/** How many drivers are idle in the pool. */
export function idleDriverCount(): number {
	return idle.size;
}

async function retire(session: BridgeSession): Promise<void> {
	await session.send("close").catch(() => {});
	await session.close(30_000);
}
