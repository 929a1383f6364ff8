/**
 * `@curator/runtime/host`: the worker host served over a transport of one's
 * own, for a backend whose workers another runtime starts and reaches over a
 * socket (the Xenna bridge's ZeroMQ workers). IPC and worker-thread workers
 * need none of this: they start `@curator/runtime/worker-host`.
 */
export type { HostTransport } from "../host-transport.ts";
export type { HostMessage } from "../protocol.ts";
export { PROTOCOL_VERSION } from "../protocol.ts";
export type { ServeOptions } from "../serve-host.ts";
export { serveWorkerHost } from "../serve-host.ts";
export { typeStrippingFlags } from "../type-stripping.ts";
