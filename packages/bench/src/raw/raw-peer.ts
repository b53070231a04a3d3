import type { Socket } from "node:net";
import { once } from "node:events";
import { FramePacker } from "./frame-packer.js";
import { FrameParser } from "./frame-parser.js";

/**
 * One connection of a raw-net socket: the stream, a packer for what goes
 * out and a parser that reassembles what comes in into whole messages.
 */
export class RawPeer {
  /** libzmq-style routing id: a zero octet then a 32-bit counter. */
  readonly routingId: Buffer;
  readonly socket: Socket;
  readonly #packer: FramePacker;
  #frames: Buffer[] = [];
  /** Subscriptions this peer asked for (publisher side). */
  readonly subscriptions: Buffer[] = [];

  /** Wraps `socket`; `onMessage` receives each complete message. */
  constructor(socket: Socket, routingId: Buffer, onMessage: (peer: RawPeer, frames: Buffer[]) => void) {
    this.socket = socket;
    this.routingId = routingId;
    this.#packer = new FramePacker(socket);
    socket.setNoDelay(true);
    const parser = new FrameParser((body, more) => {
      this.#frames.push(body);
      if (more) return;
      const frames = this.#frames;
      this.#frames = [];
      onMessage(this, frames);
    });
    socket.on("data", (chunk: Buffer) => parser.feed(chunk));
  }

  /** Queues a message; resolves at once unless the stream wants a `drain` first. */
  async write(frames: readonly Buffer[]): Promise<void> {
    const last = frames.length - 1;
    let ok = true;
    for (let i = 0; i <= last; i++) ok = this.#packer.push(frames[i]!, i < last);
    if (!ok) {
      this.#packer.flush();
      await once(this.socket, "drain");
    }
  }

  /** True when the stream holds more than `limit` unsent bytes. */
  isBacklogged(limit: number): boolean {
    return this.socket.writableLength > limit;
  }
}
