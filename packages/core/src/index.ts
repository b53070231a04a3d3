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

export { Context, context, type ContextOptions } from "./context.js";
export { ZmqError, SkeinError, ProtocolError, AuthError, TlsError, strerror, ERRNO } from "./errors.js";
export { Observer, type Event, type EventType, type EventOfType } from "./events.js";
export { Socket, type SocketOptions } from "./socket/socket-base.js";
export { SocketType } from "./socket/socket-type.js";
export type { MessageLike } from "./socket/message.js";
export type { PgmStatistics } from "./transport/epgm/pgm-statistics.js";
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
export { Stream } from "./socket/stream.js";
export { Proxy, type ProxyCounters, type ProxyOptions, type ProxyStats } from "./proxy.js";
export { Poller, type PollEvents, type PollResult } from "./poller.js";

export { messageProperties, type MessageProperties } from "./message-properties.js";
export { curveKeyPair, z85Encode, z85Decode, type CurveKeyPair } from "./mechanism/z85.js";
export { ZAP_ENDPOINT, type ZapHandler, type ZapDecision, type ZapRequest, type ZapReply } from "./zap.js";

/** A message as received: one Buffer per frame. */
export type Message = Buffer;

/** The ZMTP/libzmq version this library behaves as. */
export const version = "4.3.5";

/** What this build supports, as the `zeromq` package reports it. */
export const capability: Partial<Record<"ipc" | "pgm" | "tipc" | "norm" | "curve" | "gssapi" | "draft", boolean>> = Object.freeze({
  ipc: true,
  pgm: false,
  tipc: false,
  norm: false,
  curve: true,
  gssapi: false,
  draft: true,
});
