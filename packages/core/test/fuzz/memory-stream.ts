/**
 * An in-memory stand-in for the `net.Socket` under an engine: what is pushed
 * in is what the peer sent; what the engine writes is collected (and
 * counted, not kept, past a bound). Real engine objects run over it, so the
 * parsers only reachable through an engine can be fuzzed without sockets.
 */
import { Duplex } from "node:stream";
import type { Socket as NetSocket } from "node:net";

export class MemoryStream extends Duplex {
  /** Octets the engine wrote. */
  written = 0;

  constructor() {
    super({ allowHalfOpen: false });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.written += chunk.length;
    callback();
  }

  setNoDelay(): this {
    return this;
  }

  destroySoon(): void {
    this.destroy();
  }

  /** Typed as the socket the engines take. */
  get asSocket(): NetSocket {
    return this as unknown as NetSocket;
  }
}
