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

export { Context, context, type ContextOptions } from "./context.js";
export { ZmqError, SkeinError, ProtocolError, AuthError, TlsError, strerror, ERRNO } from "./errors.js";
export { Observer, type Event, type EventType, type EventOfType } from "./events.js";
export { Socket, type SocketOptions } from "./socket/socket-base.js";
export { SocketType } from "./socket/socket-type.js";
export type { MessageLike } from "./socket/message.js";
export { Pair } from "./socket/pair.js";
export { Publisher } from "./socket/publisher.js";
export { Subscriber } from "./socket/subscriber.js";
export { XPublisher } from "./socket/xpublisher.js";
export { XSubscriber } from "./socket/xsubscriber.js";
export { Request } from "./socket/request.js";
export { Reply } from "./socket/reply.js";
export { Dealer } from "./socket/dealer.js";
export { Router } from "./socket/router.js";
export { Push } from "./socket/push.js";
export { Pull } from "./socket/pull.js";
export { Proxy, type ProxyCounters, type ProxyOptions, type ProxyStats } from "./proxy.js";
export { Poller, type PollEvents, type PollResult } from "./poller.js";

export { messageProperties, type MessageProperties } from "./message-properties.js";
export { curveKeyPair, z85Encode, z85Decode, type CurveKeyPair } from "./mechanism/z85.js";
/**
 * The bytes type of received frames: Node's `Buffer` where there is one, else
 * a `Uint8Array` with the `Buffer` methods core uses (a browser). For code on
 * top of core that builds frames and runs in both (`Bytes.from("text")`).
 */
export { Buffer as Bytes } from "./util/buffer.js";
export { ZAP_ENDPOINT, type ZapHandler, type ZapDecision, type ZapRequest, type ZapReply } from "./zap.js";

/** A message as received: one `Uint8Array` (a Buffer under Node) per frame. */
export type Message = Buffer;

/** The ZMTP/libzmq version this library behaves as. */
export const version = "4.3.5";

/** What this build supports, as the `zeromq` package reports it: no ipc in a browser. */
export const capability: Partial<Record<"ipc" | "pgm" | "tipc" | "norm" | "curve" | "gssapi" | "draft", boolean>> = Object.freeze({
  ipc: false,
  pgm: false,
  tipc: false,
  norm: false,
  curve: true,
  gssapi: false,
  draft: false,
});
