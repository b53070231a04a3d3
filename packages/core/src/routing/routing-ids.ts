/**
 * Routing ids of ROUTER and STREAM sockets: the table from id to pipe, and
 * the ids generated for peers that announce none (RFC 28 / libzmq: five
 * bytes, a zero byte then a 32-bit counter starting at a random value; ids
 * an application chooses must not start with a zero byte).
 */
import { Buffer } from "../util/buffer.js";
import type { Pipe } from "../pipe.js";

export class RoutingIds {
  /** Pipes by routing id (the id's bytes as a latin1 string). */
  readonly routes = new Map<string, Pipe>();
  #next = (Math.random() * 0xffffffff) >>> 0;

  /** A fresh 5-byte id not in use. */
  generate(): Buffer {
    for (;;) {
      const id = Buffer.allocUnsafe(5);
      id[0] = 0;
      id.writeUInt32BE(this.#next, 1);
      this.#next = (this.#next + 1) >>> 0;
      if (!this.routes.has(id.toString("latin1"))) return id;
    }
  }

  get(id: Buffer): Pipe | undefined {
    return this.routes.get(id.toString("latin1"));
  }

  has(id: Buffer): boolean {
    return this.routes.has(id.toString("latin1"));
  }

  set(id: Buffer, pipe: Pipe): void {
    this.routes.set(id.toString("latin1"), pipe);
  }

  /** Removes the pipe's entry if it still holds its id. */
  remove(pipe: Pipe): void {
    const key = pipe.routingId?.toString("latin1");
    if (key !== undefined && this.routes.get(key) === pipe) this.routes.delete(key);
  }
}
