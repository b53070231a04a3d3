/**
 * @skein/core: a pure-TypeScript ZeroMQ. ZMTP 3.1 on the wire (talks to
 * libzmq and every other ZeroMQ peer), the `zeromq` v6 API in code.
 *
 * ```ts
 * import { Push, Pull } from "@skein/core"
 * const pull = new Pull()
 * await pull.bind("tcp://127.0.0.1:5555")
 * const push = new Push()
 * push.connect("tcp://127.0.0.1:5555")
 * await push.send("hello")
 * const [msg] = await pull.receive()
 * ```
 */
// The Node transports (tcp, ipc, ws, wss, udp, epgm) join the transport table; inproc is built in.
import "./transport/node-transports.js";
import "./swap.js";

import { capabilityOf, type Capability } from "./capability.js";

export * from "./api.js";
export { Stream } from "./socket/stream.js";
export type { PgmStatistics } from "./transport/epgm/pgm-statistics.js";

/** What this build supports, as the `zeromq` package reports it. */
export const capability: Capability = capabilityOf(true);
