/**
 * Whole one-frame messages left in the read chunk they arrived in, queued in
 * a pipe as one entry: a read of 64 KiB holds thousands of 16-octet messages,
 * and each becomes a Buffer and a message array only when the socket takes
 * it ({@link MessageRun.take}), not when the chunk is decoded.
 *
 * Why: a message queued as objects (a view, an array, a queue slot) lives
 * through the scavenges that happen while up to a high-water mark of them
 * wait, and each is copied by each of those scavenges; a run is one object
 * and its chunk, whatever the count. It also spares the decoder a call chain
 * per frame (frame → engine → pipe).
 *
 * The frames were checked by the decoder (flags 0 or LONG: the last and only
 * part; size within the limit; whole in the chunk) before the run was made,
 * so taking one only re-reads its header. A taken message is a view of the
 * chunk, as a frame decoded at once is: the chunk is never written again
 * (a 'data' chunk is Node's own; a direct read never reuses a slab region,
 * zmtp/direct-read.ts), and the run keeps it alive only until its last
 * message is taken.
 */
import { viewOf, type Buffer } from "../util/buffer.js";
import type { Msg, MessageBatch } from "../pipe.js";

export class MessageRun implements MessageBatch {
  /** Messages not taken yet. */
  remaining: number;
  readonly #chunk: Buffer;
  readonly #arrayBuffer: ArrayBufferLike;
  readonly #base: number;
  /** Offset in the chunk of the next message's frame header. */
  #at: number;

  /** `count` one-frame messages back to back in `chunk` from `start` (FrameDecoder's MessageRunSink). */
  constructor(chunk: Buffer, start: number, count: number) {
    this.#chunk = chunk;
    this.#arrayBuffer = chunk.buffer;
    this.#base = chunk.byteOffset;
    this.#at = start;
    this.remaining = count;
  }

  /** The next message: one frame, a view of the chunk. Call only while {@link remaining} > 0. */
  take(): Msg {
    const chunk = this.#chunk;
    const at = this.#at;
    let start: number;
    let size: number;
    if (chunk[at] === 0) {
      start = at + 2;
      size = chunk[at + 1]!;
    } else {
      // LONG: the decoder let in only sizes below 2^32 (the high word is zero).
      start = at + 9;
      size = chunk.readUInt32BE(at + 5);
    }
    this.#at = start + size;
    this.remaining--;
    return [viewOf(this.#arrayBuffer, this.#base + start, size)];
  }
}
