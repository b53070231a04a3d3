/**
 * The public API both entries of @skein/core share: index.ts (Node, Bun,
 * Deno: every transport, and the STREAM socket) and browser.ts (ws:// and
 * wss:// over the WebSocket API). Each entry adds its transports, what only
 * it offers, and its `capability`.
 */
export type { Capability } from "./capability.js";
export { Context, context, type ContextOptions } from "./context.js";
export { ZmqError, SkeinError, ProtocolError, AuthError, TlsError, strerror, ERRNO } from "./errors.js";
export { Observer, type Event, type EventType, type EventOfType } from "./events.js";
export { Socket, type SocketOptions } from "./socket/socket-base.js";
export type { SwapStats } from "./swap.js";
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

/** A message as received: one Buffer per frame. */
export type Message = Buffer;

/** The ZMTP/libzmq version this library behaves as. */
export const version = "4.3.5";
