/**
 * A frame body that did not arrive whole in one read: the buffer it is put
 * together in, which the user receives as the frame.
 *
 * The octets go straight into the body's own buffer: copied there from a
 * read chunk by {@link FrameBody.fill}, or written there by the kernel when
 * the connection reads into {@link FrameBody.readTarget} (zmtp/direct-read.ts,
 * libzmq's zero-copy `decoder_base_t::get_buffer`). A 1 MiB body read that
 * way is copied once, by the kernel, and never again.
 *
 * What a peer can make it hold: the buffer starts at the announced size up
 * to {@link FIRST_CAPACITY} and doubles, at most to the announced size, only
 * once it is full. So a body in progress holds at most
 * `max(FIRST_CAPACITY, 2 x octets received)` whatever its header announced
 * (the decoder has already refused sizes above its limit). Growing copies
 * the octets received so far: less than the body's size in all.
 */
import { Buffer } from "../util/buffer.js";

/** The first buffer of a body announced above this size holds this much; it grows as the octets come. */
export const FIRST_CAPACITY = 1024 * 1024;

/** Reads straight into a body only while at least this much of it is missing: shorter rests go through the read chunk. */
export const DIRECT_READ_MIN = 64 * 1024;

export class FrameBody {
  readonly flags: number;
  readonly size: number;
  /** Octets received so far. */
  filled = 0;
  #buffer: Buffer;

  constructor(flags: number, size: number) {
    this.flags = flags;
    this.size = size;
    this.#buffer = Buffer.allocUnsafe(size < FIRST_CAPACITY ? size : FIRST_CAPACITY);
  }

  /** True once every announced octet has arrived. */
  get complete(): boolean {
    return this.filled === this.size;
  }

  /** Octets the buffer holds now (received or not): what the body costs at this moment. */
  get capacity(): number {
    return this.#buffer.length;
  }

  /** The whole body; valid once {@link complete}. */
  get body(): Buffer {
    return this.#buffer;
  }

  /** Copies `chunk[at..]` into the body, up to its end. Returns the offset in `chunk` after what was taken. */
  fill(chunk: Buffer, at: number): number {
    const end = chunk.length;
    while (at < end && this.filled < this.size) {
      this.#makeRoom();
      const room = this.#buffer.length - this.filled;
      const take = end - at < room ? end - at : room;
      chunk.copy(this.#buffer, this.filled, at, at + take);
      this.filled += take;
      at += take;
    }
    return at;
  }

  /**
   * Where the connection may read the next octets of this body directly, or
   * null when too little is missing to be worth a read of its own.
   */
  readTarget(): Buffer | null {
    if (this.size - this.filled < DIRECT_READ_MIN) return null;
    this.#makeRoom();
    return this.#buffer.subarray(this.filled);
  }

  /** `n` octets were read into the last {@link readTarget}. */
  received(n: number): void {
    this.filled += n;
  }

  /** A full buffer short of the body's size doubles (never past the size), keeping what it holds. */
  #makeRoom(): void {
    const buffer = this.#buffer;
    if (this.filled < buffer.length) return;
    const doubled = buffer.length * 2;
    const grown = Buffer.allocUnsafe(doubled < this.size ? doubled : this.size);
    buffer.copy(grown, 0, 0, this.filled);
    this.#buffer = grown;
  }
}
