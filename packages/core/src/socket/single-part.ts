/**
 * The draft socket types are libzmq's thread-safe family: a message is one
 * frame, sent and received atomically (RFC 41, 48, 49, 51, 52: "MUST NOT
 * allow multipart messages"). Sending several frames is refused with
 * `EINVAL`, as libzmq refuses `ZMQ_SNDMORE` on these types; a peer that sends
 * a multipart message breaks the pattern and is dropped (libzmq discards
 * such messages without a word; skein says so with a `disconnect` event).
 */
import { ProtocolError, ZmqError } from "../errors.js";
import type { Msg, Pipe } from "../pipe.js";
import { toMessage, type MessageLike } from "./message.js";

/**
 * A received draft message: its frame, then what `zeromq/draft` gives with
 * it (`{ routingId }` for SERVER and PEER, `{ group }` for DISH). Typed as
 * an intersection with `Buffer[]` so that a Server or a Dish is still a
 * `Socket` (for Poller, Proxy and code typed on Socket); the second
 * element is the metadata object, not a Buffer.
 */
export type DraftMessage<M> = [Buffer, M] & Buffer[];

/** The one frame of `message`; `EINVAL` for a multipart message. */
export function singlePart(message: MessageLike | MessageLike[], typeName: string): Msg {
  const msg = toMessage(message);
  if (msg.length !== 1) throw new ZmqError("EINVAL", `${typeName} sockets do not allow multipart messages`);
  return msg;
}

/** Reports a dropped peer: a connection closes with `error`, an inproc pipe ends and the socket emits the event. */
export interface PeerDropper {
  emitEvent(type: "disconnect", address: string, extra: { error: ZmqError }): void;
}

/** Drops the peer of `pipe` for `error`, and what it still had queued. */
export function dropPeer(socket: PeerDropper, pipe: Pipe, error: ZmqError): void {
  if (!pipe.abort(error)) socket.emitEvent("disconnect", pipe.endpoint, { error });
  while (pipe.read() !== undefined);
}

/**
 * The next single-part message `read` gives; the peer of a multipart one
 * (`from` names the pipe it came from) is dropped, and reading goes on.
 */
export function receiveSinglePart(read: () => Msg | undefined, from: () => Pipe | null, socket: PeerDropper, typeName: string): Msg | undefined {
  for (;;) {
    const msg = read();
    if (msg === undefined || msg.length === 1) return msg;
    const pipe = from();
    if (pipe !== null) {
      dropPeer(socket, pipe, new ProtocolError("ERR_ZMTP_UNSPECIFIED", `A ${typeName} peer sent a message of ${msg.length} parts; this pattern has single-part messages only`));
    }
  }
}
