/**
 * A batching ZMTP frame encoder. Frames are appended to a shared write
 * buffer so that thousands of small messages leave in one `write`; a large
 * body is not copied: its header goes into the buffer and the body itself
 * is queued as its own chunk (written with `writev`, zero-copy).
 */
import { Buffer } from "../util/buffer.js";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, SHORT_FRAME_MAX } from "./frame.js";

/** Bodies at or above this size are queued by reference instead of copied. */
export const COPY_THRESHOLD = 8 * 1024;
const BLOCK_SIZE = 64 * 1024;

export class FrameEncoder {
  #block: Buffer = Buffer.allocUnsafe(BLOCK_SIZE);
  #start = 0;
  #pos = 0;
  #chunks: Buffer[] = [];
  #pendingBytes = 0;

  /** Bytes encoded and not yet taken. */
  get pendingBytes(): number {
    return this.#pendingBytes + (this.#pos - this.#start);
  }

  /** Appends one message or command frame. */
  frame(body: Buffer, more: boolean, command = false): void {
    const size = body.length;
    const inline = size < COPY_THRESHOLD;
    this.#reserve(this.headerLength(size) + (inline ? size : 0));
    const block = this.#block;
    const pos = this.writeHeader(block, this.#pos, size, more, command);
    if (inline) {
      if (size <= 32) {
        for (let i = 0; i < size; i++) block[pos + i] = body[i]!;
      } else {
        body.copy(block, pos);
      }
      this.#pos = pos + size;
    } else {
      this.#pos = pos;
      this.#cut();
      this.#chunks.push(body);
      this.#pendingBytes += size;
    }
  }

  /** Octets of a frame header for a body of `size` (RFC 23 §"Framing": flags, then 1 or 8 octets of size). */
  protected headerLength(size: number): number {
    return size > SHORT_FRAME_MAX ? 9 : 2;
  }

  /** Writes a frame header at `pos`; returns the offset after it. Other framings override this pair. */
  protected writeHeader(block: Buffer, pos: number, size: number, more: boolean, command: boolean): number {
    const long = size > SHORT_FRAME_MAX;
    block[pos++] = (more ? FLAG_MORE : 0) | (long ? FLAG_LONG : 0) | (command ? FLAG_COMMAND : 0);
    if (long) {
      writeSize64(block, pos, size);
      return pos + 8;
    }
    block[pos++] = size;
    return pos;
  }

  /** Appends raw bytes (the greeting). */
  raw(data: Buffer): void {
    this.#cut();
    this.#chunks.push(data);
    this.#pendingBytes += data.length;
  }

  /** Hands out everything encoded so far, in order, and starts afresh. */
  take(): Buffer[] {
    this.#cut();
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#pendingBytes = 0;
    return chunks;
  }

  /** Moves the bytes written into the block since the last cut into the chunk list. */
  #cut(): void {
    if (this.#pos > this.#start) {
      this.#chunks.push(this.#block.subarray(this.#start, this.#pos));
      this.#pendingBytes += this.#pos - this.#start;
      this.#start = this.#pos;
    }
  }

  #reserve(n: number): void {
    if (this.#block.length - this.#pos >= n) return;
    this.#cut();
    // Chunks already cut keep the old block alive until written: never reuse it.
    this.#block = Buffer.allocUnsafe(n > BLOCK_SIZE ? n : BLOCK_SIZE);
    this.#start = 0;
    this.#pos = 0;
  }
}

/** Writes a size as 8 octets in network byte order. */
export function writeSize64(block: Buffer, pos: number, size: number): void {
  block.writeUInt32BE(Math.floor(size / 0x100000000), pos);
  block.writeUInt32BE(size >>> 0, pos + 4);
}
