/**
 * The transports of the Node entry: tcp://, ipc://, ws://, wss://, udp:// and epgm:// join
 * the transport table (inproc:// is built in). pgm:// is refused by the
 * table itself, naming epgm:// (raw IP sockets are not in Node). Imported for its effect by
 * src/index.ts, so the CommonJS entry, which loads it, has them too.
 */
import { epgm } from "./epgm/epgm.js";
import { ipc } from "./ipc.js";
import { tcp } from "./tcp.js";
import { registerTransport } from "./transport.js";
import { udp } from "./udp.js";
import { ws } from "./ws/ws.js";
import { wss } from "./ws/wss.js";

registerTransport(tcp);
registerTransport(ipc);
registerTransport(ws);
registerTransport(wss);
registerTransport(udp);
registerTransport(epgm);
