import type { Socket } from "node:net";
import { DIRECT_WRITE_THRESHOLD, PACK_CHUNK_SIZE, WRITE_BACKLOG_LIMIT, headerSize, writeHeader } from "./wire-format.js";

/**
 * Packs ZMTP-style frames into 64 KiB buffers and hands each full buffer to
 * one `socket.write`: the cheapest way Node can put many small messages on a
 * TCP or IPC stream. Large bodies are not copied: their header goes into the
 * pack and the body is written as its own buffer right after it.
 *
 * Callers push frames, then call {@link FramePacker.flush} (or let the
 * scheduled flush run). `push` returns `false` once more than
 * {@link WRITE_BACKLOG_LIMIT} bytes wait in the socket; the caller should then
 * wait for `drain`. Waiting at Node's own 16 KiB mark instead would let the
 * pipe run dry after every large message.
 */
export class FramePacker {
  readonly #socket: Socket;
  #chunk: Buffer = Buffer.allocUnsafe(PACK_CHUNK_SIZE);
  #offset = 0;
  #flushScheduled = false;
  readonly #scheduledFlush = (): void => {
    this.#flushScheduled = false;
    this.flush();
  };

  /** Wraps a connected socket. */
  constructor(socket: Socket) {
    this.#socket = socket;
  }

  /**
   * Appends one frame. A flush is scheduled for the next turn of the event
   * loop, so frames pushed in the same turn share writes.
   */
  push(body: Buffer, more = false): boolean {
    const size = body.length;
    const header = headerSize(size);
    if (size >= DIRECT_WRITE_THRESHOLD) {
      if (this.#offset + header > PACK_CHUNK_SIZE) this.flush();
      this.#offset = writeHeader(this.#chunk, this.#offset, size, more);
      this.flush();
      this.#socket.write(body);
    } else {
      if (this.#offset + header + size > PACK_CHUNK_SIZE) this.flush();
      const at = writeHeader(this.#chunk, this.#offset, size, more);
      body.copy(this.#chunk, at);
      this.#offset = at + size;
    }
    if (!this.#flushScheduled && this.#offset > 0) {
      this.#flushScheduled = true;
      setImmediate(this.#scheduledFlush);
    }
    return this.#socket.writableLength < WRITE_BACKLOG_LIMIT;
  }

  /** Writes the frames packed so far, if any. */
  flush(): void {
    if (this.#offset === 0) return;
    // The socket keeps a reference to what it has not sent yet, so each write
    // gets its own buffer and the packer starts a fresh one.
    this.#socket.write(this.#chunk.subarray(0, this.#offset));
    this.#chunk = Buffer.allocUnsafe(PACK_CHUNK_SIZE);
    this.#offset = 0;
  }

}
