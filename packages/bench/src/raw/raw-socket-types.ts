import { RawSocket, toFrames, type RawMessage } from "./raw-socket.js";
import type { RawPeer } from "./raw-peer.js";

/** Bytes a publisher lets pile up for one subscriber before it drops, like a high-water mark. */
const PUBLISHER_BACKLOG_LIMIT = 4 * 1024 * 1024;

/** Round-robin sender shared by PUSH, DEALER and REQ. */
abstract class RoundRobinSocket extends RawSocket {
  #next = 0;

  override async send(message: RawMessage): Promise<void> {
    await this.anyPeer();
    const peer = this.peers[this.#next++ % this.peers.length]!;
    await peer.write(toFrames(message));
  }
}

/** PUSH over raw net: round-robin to connected peers. */
export class Push extends RoundRobinSocket {}

/** PULL over raw net: messages from every peer, in arrival order. */
export class Pull extends RawSocket {
  override send(): Promise<void> {
    return Promise.reject(new Error("PULL cannot send"));
  }
}

/** DEALER over raw net: round-robin out, arrival order in. */
export class Dealer extends RoundRobinSocket {}

/** REQ over raw net: the caller alternates send and receive. */
export class Request extends RoundRobinSocket {}

/** REP over raw net: replies go to the peer the last request came from. */
export class Reply extends RawSocket {
  #last: RawPeer | null = null;

  protected override onPeerMessage(peer: RawPeer, frames: Buffer[]): void {
    this.#last = peer;
    this.deliver(frames);
  }

  override async send(message: RawMessage): Promise<void> {
    if (this.#last === null) throw new Error("REP must receive before it sends");
    await this.#last.write(toFrames(message));
  }
}

/** ROUTER over raw net: incoming messages get the peer's routing id in front. */
export class Router extends RawSocket {
  readonly #byId = new Map<string, RawPeer>();

  protected override onPeerAdded(peer: RawPeer): void {
    this.#byId.set(peer.routingId.toString("latin1"), peer);
  }

  protected override onPeerMessage(peer: RawPeer, frames: Buffer[]): void {
    this.deliver([peer.routingId, ...frames]);
  }

  override async send(message: RawMessage): Promise<void> {
    const [id, ...frames] = toFrames(message);
    const peer = id === undefined ? undefined : this.#byId.get(id.toString("latin1"));
    if (peer === undefined) return; // libzmq drops a message to an unknown peer.
    await peer.write(frames);
  }
}

/**
 * PUB over raw net: a subscriber's subscriptions arrive as ZMTP 3.0 style
 * messages (RFC 29: first octet 1, then the topic); a message goes to every
 * peer with a matching prefix, and is dropped for a peer that is too far behind.
 */
export class Publisher extends RawSocket {
  protected override onPeerMessage(peer: RawPeer, frames: Buffer[]): void {
    const body = frames[0];
    if (body !== undefined && body.length > 0 && body[0] === 1) {
      peer.subscriptions.push(Buffer.from(body.subarray(1)));
    }
  }

  override async send(message: RawMessage): Promise<void> {
    const frames = toFrames(message);
    const topic = frames[0]!;
    for (const peer of this.peers) {
      if (peer.isBacklogged(PUBLISHER_BACKLOG_LIMIT)) continue;
      if (!peer.subscriptions.some((prefix) => topic.subarray(0, prefix.length).equals(prefix))) continue;
      void peer.write(frames);
    }
  }
}

/** SUB over raw net: subscriptions are sent to every publisher, now and on connect. */
export class Subscriber extends RawSocket {
  readonly #topics: Buffer[] = [];

  /** Subscribes to messages whose first frame starts with `topic`. */
  subscribe(...topics: Array<Buffer | string>): void {
    for (const topic of topics) {
      const prefix = typeof topic === "string" ? Buffer.from(topic) : topic;
      this.#topics.push(prefix);
      for (const peer of this.peers) void peer.write([Buffer.concat([Buffer.of(1), prefix])]);
    }
  }

  protected override onPeerAdded(peer: RawPeer): void {
    for (const prefix of this.#topics) void peer.write([Buffer.concat([Buffer.of(1), prefix])]);
  }

  override send(): Promise<void> {
    return Promise.reject(new Error("SUB cannot send"));
  }
}
