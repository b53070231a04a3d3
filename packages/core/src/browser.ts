/**
 * @skein/core in a browser (the `browser` export condition): the sockets of
 * the Node entry that make sense for a page, connecting over ws:// and
 * wss:// through the WebSocket API (transport/ws/browser-websocket.ts), with
 * NULL, PLAIN and CURVE. No `node:` module is on this entry's path, and
 * received frames are `Uint8Array`s (with the few `Buffer` methods core uses,
 * see util/buffer.ts) where there is no `Buffer`.
 *
 * Left out, because a page cannot have them: tcp:// and ipc:// (no sockets
 * but WebSockets), binding anything but inproc:// (a page cannot listen), the
 * STREAM socket (raw TCP). See docs/browser.md.
 *
 * ```ts
 * import { Request } from "@skein/core"   // resolved to this file by a bundler
 * const request = new Request()
 * request.connect("ws://127.0.0.1:5555/")
 * await request.send("hello")
 * const [reply] = await request.receive()
 * ```
 */
// ws:// and wss:// over the WebSocket API join the transport table; inproc is built in.
import "./transport/browser-transports.js";

import { capabilityOf, type Capability } from "./capability.js";

export * from "./api.js";

/** What this build supports, as the `zeromq` package reports it: no ipc in a browser. */
export const capability: Capability = capabilityOf(false);
