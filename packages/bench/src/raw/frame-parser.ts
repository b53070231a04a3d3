import { FLAG_LONG, FLAG_MORE } from "./wire-format.js";

/** Receives each frame as a view into the received data, with its MORE flag. */
export type FrameSink = (body: Buffer, more: boolean) => void;

/**
 * Parses a stream of ZMTP-style frames (RFC 37 §2.3) and cuts one `subarray`
 * view per frame out of the chunks the socket delivers. A frame split across
 * chunks is joined once, when its last byte has arrived, so a 1 MiB body
 * arriving in 64 KiB reads costs one copy, not sixteen.
 */
export class FrameParser {
  readonly #sink: FrameSink;
  #pending: Buffer[] = [];
  #pendingLength = 0;
  /** Bytes the pending data must reach before parsing can make progress. */
  #needed = 0;

  /** Creates a parser delivering frames to `sink`. */
  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  /** Feeds the next chunk read from the stream. */
  feed(chunk: Buffer): void {
    let data = chunk;
    if (this.#pendingLength > 0) {
      this.#pending.push(chunk);
      this.#pendingLength += chunk.length;
      if (this.#pendingLength < this.#needed) return;
      data = Buffer.concat(this.#pending, this.#pendingLength);
      this.#pending = [];
      this.#pendingLength = 0;
    }
    const end = data.length;
    let offset = 0;
    let needed = 0;
    while (offset < end) {
      if (end - offset < 2) {
        needed = 2;
        break;
      }
      const flags = data[offset]!;
      let bodyStart: number;
      let size: number;
      if ((flags & FLAG_LONG) !== 0) {
        if (end - offset < 9) {
          needed = 9;
          break;
        }
        size = Number(data.readBigUInt64BE(offset + 1));
        bodyStart = offset + 9;
      } else {
        size = data[offset + 1]!;
        bodyStart = offset + 2;
      }
      const bodyEnd = bodyStart + size;
      if (bodyEnd > end) {
        needed = bodyEnd - offset;
        break;
      }
      this.#sink(data.subarray(bodyStart, bodyEnd), (flags & FLAG_MORE) !== 0);
      offset = bodyEnd;
    }
    if (offset < end) {
      const rest = data.subarray(offset);
      this.#pending.push(rest);
      this.#pendingLength = rest.length;
      this.#needed = needed;
    }
  }
}
