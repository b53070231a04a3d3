/**
 * @skein/core/draft: libzmq's draft socket types, shaped as the `zeromq`
 * package's `zeromq/draft` entry: the same seven classes, options and
 * methods, and nothing else, so code and tests that list the entry's exports
 * see what they see in `zeromq/draft`. PEER and CHANNEL, which `zeromq/draft`
 * lacks, are in `@skein/core/draft-extra`. udp:// carries RADIO/DISH
 * and DGRAM; the other draft types use tcp://, ipc:// and inproc:// like
 * every socket.
 *
 * ```ts
 * import { Server, Client } from "@skein/core/draft"
 * const server = new Server()
 * await server.bind("tcp://127.0.0.1:5555")
 * const client = new Client()
 * client.connect("tcp://127.0.0.1:5555")
 * await client.send("ping")
 * const [msg, { routingId }] = await server.receive()
 * await server.send("pong", { routingId })
 * ```
 */
// The Node entry's transports (tcp, ipc, ws, wss, udp), as @skein/core registers them: this entry may be loaded alone.
import "./transport/node-transports.js";
import "./swap.js";

export { Server, type ServerRoutingOptions } from "./socket/server.js";
export { Client } from "./socket/client.js";
export { Radio, type RadioGroupOptions } from "./socket/radio.js";
export { Dish, type DishGroupOptions } from "./socket/dish.js";
export { Gather } from "./socket/gather.js";
export { Scatter } from "./socket/scatter.js";
export { Datagram } from "./socket/datagram.js";
export type { DatagramDrops } from "./transport/udp.js";
