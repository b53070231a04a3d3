import { ZmqError } from "../errors.js";
import type { Pipe } from "../pipe.js";
import { Server } from "./server.js";
import type { SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/**
 * PEER (draft, RFC 51): a SERVER that also connects: every PEER it is
 * connected to, either way, has a routing id; {@link connectPeer} connects
 * and returns the new peer's routing id at once, so a message can be queued
 * for it before the connection is up. Messages are single-part.
 */
export class Peer extends Server {
  /** The pipe attached while connectPeer() runs. */
  #attached: Pipe | null = null;
  #connecting = false;

  constructor(options?: SocketOptions<Peer>) {
    super(options, SocketType.Peer);
    this.sealIfExactly(Peer);
  }

  /**
   * Connects to a PEER and returns the routing id to send to it with
   * (libzmq's `zmq_connect_peer`). `EINVAL` with `immediate` set: the queue,
   * and so the routing id, only exists once connected.
   */
  connectPeer(address: string): number {
    if (this.immediate) throw new ZmqError("EINVAL", "connectPeer() needs immediate false: the routing id belongs to the queue made at connect");
    this.#connecting = true;
    this.#attached = null;
    try {
      super.connect(address);
    } finally {
      this.#connecting = false;
    }
    const pipe = this.#attached as Pipe | null;
    this.#attached = null;
    if (pipe === null) throw new ZmqError("EINVAL", `No queue was made for ${address}`, address);
    return this.routingIdOf(pipe);
  }

  protected override xattachPipe(pipe: Pipe): boolean {
    const attached = super.xattachPipe(pipe);
    if (this.#connecting && attached) this.#attached = pipe;
    return attached;
  }
}
