/**
 * @skein/core/draft-extra: the draft socket types of libzmq that the
 * `zeromq` package does not expose: PEER (RFC 51) and CHANNEL (RFC 52). Kept
 * apart from `@skein/core/draft`, which has exactly `zeromq/draft`'s exports.
 *
 * ```ts
 * import { Peer } from "@skein/core/draft-extra"
 * const a = new Peer(), b = new Peer()
 * await a.bind("tcp://127.0.0.1:5555")
 * const id = b.connectPeer("tcp://127.0.0.1:5555")
 * await b.send("hello", { routingId: id })
 * ```
 */
// The Node entry's transports (tcp, ipc, ws, wss, udp), as @skein/core registers them: this entry may be loaded alone.
import "./transport/node-transports.js";
import "./swap.js";

export { Peer } from "./socket/peer.js";
export { Channel } from "./socket/channel.js";
export type { ServerRoutingOptions } from "./socket/server.js";
