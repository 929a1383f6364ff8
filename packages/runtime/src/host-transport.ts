import type { HostMessage } from "./protocol.ts";

/** How a host talks to its parent (IPC, a MessagePort, a socket ...). */
export interface HostTransport {
	send(message: HostMessage): void;
	onMessage(handler: (message: unknown) => void): void;
	/** Called after `shutdown`; ends the process or thread. */
	close(): void;
	/** Sets the process or thread title shown by `ps` and dashboards. */
	setTitle?(title: string): void;
}
