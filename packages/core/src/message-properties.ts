/**
 * Message properties (libzmq's `zmq_msg_gets`): what is known about the
 * peer a message came from: its socket type, routing id, the user id a ZAP
 * handler gave it, its address, and every metadata property it announced
 * (READY) or the ZAP handler added.
 *
 * Tracking costs a little per message, so a socket records properties only
 * when created with `messageProperties: true`:
 *
 * ```ts
 * const pull = new Pull({ messageProperties: true })
 * const msg = await pull.receive()
 * messageProperties(msg)?.userId
 * ```
 */
import type { Msg, Pipe } from "./pipe.js";
import { getProperty } from "./zmtp/metadata.js";

/** Properties of a received message's sender. */
export interface MessageProperties {
  /** The peer's socket type, e.g. `"PUSH"`. */
  readonly socketType: string;
  /** The peer's routing id (as a ROUTER addresses it), if it has one. */
  readonly routingId: Buffer | null;
  /** The user id assigned by the ZAP handler (empty with no security or no handler). */
  readonly userId: string;
  /** The peer's address, e.g. `tcp://127.0.0.1:49152`, or the inproc endpoint. */
  readonly peerAddress: string;
  /**
   * A property by name, as `zmq_msg_gets`: `"Socket-Type"`, `"Routing-Id"`,
   * `"User-Id"`, `"Peer-Address"`, or any metadata property (case-insensitive).
   */
  get(name: string): string | undefined;
}

const byMessage = new WeakMap<Msg, MessageProperties>();
const byPipe = new WeakMap<Pipe, MessageProperties>();

/** The properties recorded for a received message, if its socket records them. */
export function messageProperties(msg: Buffer[]): MessageProperties | undefined {
  return byMessage.get(msg);
}

/** @internal Records the properties of `pipe` for `msg`. */
export function recordProperties(msg: Msg, pipe: Pipe): void {
  let properties = byPipe.get(pipe);
  if (properties === undefined) {
    properties = propertiesOf(pipe);
    byPipe.set(pipe, properties);
  }
  byMessage.set(msg, properties);
}

function propertiesOf(pipe: Pipe): MessageProperties {
  const { peerSocketType: socketType, routingId, userId, peerAddress, peerMetadata } = pipe;
  return Object.freeze({
    socketType,
    routingId,
    userId,
    peerAddress,
    get(name: string): string | undefined {
      switch (name.toLowerCase()) {
        case "socket-type":
          return socketType || undefined;
        case "routing-id":
        case "identity":
          return routingId?.toString("latin1");
        case "user-id":
          return userId || undefined;
        case "peer-address":
          return peerAddress.replace(/^tcp:\/\/\[?([^\]]*?)\]?:\d+$/, "$1") || undefined;
        default:
          return getProperty(peerMetadata, name)?.toString("utf8");
      }
    },
  });
}
