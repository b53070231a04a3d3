/**
 * A streaming ZMTP/1.0 frame decoder (RFC 13 §"The Framing Layer"), for
 * peers from the libzmq 2.x generation. Same contract as
 * {@link FrameDecoder}: bytes in, in any pieces; one `onFrame` per complete
 * frame, with the flags reduced to MORE.
 *
 *   frame   = length flags body
 *   length  = OCTET / (%xFF 8OCTET)     flags plus body: never 0
 *   flags   = bit 0 MORE; bits 1-7 reserved
 *
 * Reserved flag bits are ignored, as libzmq does: 0MQ/2.1 set some of them.
 * A frame body above `maxMessageSize` is refused from its header. A body
 * split across chunks is gathered in a buffer that starts at 64 KiB at most
 * and doubles as bytes arrive, so a peer announcing a huge length costs
 * about what it actually sends, not what it announces.
 */
import { Buffer } from "../util/buffer.js";
import { ProtocolError, ZmqError } from "../errors.js";
import type { FrameSink } from "./frame-decoder.js";
import { FLAG_MORE } from "./frame.js";

/** The length octet that announces an 8-octet length. */
const LONG_LENGTH = 0xff;
/** Lengths above 2^53 cannot be represented; nothing real sends them. */
const MAX_SAFE_HIGH = 0x1fffff;
/** First allocation for a body split across chunks; it doubles from there. */
const INITIAL_BODY_CAPACITY = 64 * 1024;

export class V1FrameDecoder {
  /** Largest frame body accepted, or -1 for no limit (the engine sets it from its limits). */
  maxFrameSize: number;
  /** The limit named in the error for a frame above {@link maxFrameSize}. */
  limitName = "maxMessageSize";
  /**
   * Frames {@link write} may still deliver before it returns early (the
   * engine's per-turn budget, as for {@link FrameDecoder}); `Infinity` for none.
   */
  budget = Number.POSITIVE_INFINITY;
  readonly #sink: FrameSink;
  /** A header split across chunks (at most 9 octets, flags excluded). */
  #head: Buffer | null = null;
  /** A body split across chunks, as far as it has arrived (its capacity grows). */
  #body: Buffer | null = null;
  #bodySize = 0;
  #bodyFilled = 0;
  #bodyFlags = 0;
  #stopped = false;

  constructor(sink: FrameSink, maxFrameSize = -1) {
    this.#sink = sink;
    this.maxFrameSize = maxFrameSize;
  }

  /** Stops decoding: frames still in the current chunk are not delivered. */
  stop(): void {
    this.#stopped = true;
  }

  /** True when no partial frame is buffered (a clean frame boundary). */
  get idle(): boolean {
    return this.#head === null && this.#body === null;
  }

  /**
   * Feeds bytes. Returns how many octets of `chunk` were consumed: all of
   * them, unless {@link budget} ran out first (the caller feeds the rest
   * later). Throws a {@link ProtocolError} on malformed input, EMSGSIZE above
   * the limit.
   */
  write(input: Buffer): number {
    if (this.budget <= 0) return 0;
    let chunk = input;
    let at = 0;
    if (this.#body !== null) {
      at = this.#fillBody(chunk, 0);
      if (this.#body !== null || this.#stopped) return input.length;
      if (--this.budget <= 0) return at;
    }
    // Octets of a split header kept from the last chunk, in front of `chunk` below.
    let carried = 0;
    if (this.#head !== null) {
      carried = this.#head.length;
      chunk = Buffer.concat([this.#head, chunk.subarray(at)]);
      carried -= at;
      this.#head = null;
      at = 0;
    }
    const end = chunk.length;
    while (at < end && !this.#stopped) {
      // Header: length (1 or 9 octets), then flags.
      const long = chunk[at] === LONG_LENGTH;
      const headerLength = long ? 10 : 2;
      if (end - at < headerLength) break;
      let length: number;
      if (long) {
        const high = chunk.readUInt32BE(at + 1);
        if (high > MAX_SAFE_HIGH) throw this.#tooLarge(Number.MAX_SAFE_INTEGER);
        length = high * 0x100000000 + chunk.readUInt32BE(at + 5);
      } else {
        length = chunk[at]!;
      }
      // RFC 13: the length counts the flags octet, so 0 is no frame at all (libzmq: EPROTO).
      if (length === 0) throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", "ZMTP/1.0 frame with length 0");
      const size = length - 1;
      if (this.maxFrameSize >= 0 && size > this.maxFrameSize) throw this.#tooLarge(size);
      const flags = chunk[at + headerLength - 1]! & FLAG_MORE;
      at += headerLength;
      if (end - at >= size) {
        const body = chunk.subarray(at, at + size);
        at += size;
        this.#sink.onFrame(flags, body);
        // A frame covers any carried header octets, so this offset is within `input`.
        if (--this.budget <= 0 && at < end) return at - carried;
      } else {
        this.#body = Buffer.allocUnsafe(Math.min(size, INITIAL_BODY_CAPACITY));
        this.#bodySize = size;
        this.#bodyFilled = 0;
        this.#bodyFlags = flags;
        this.#fillBody(chunk, at);
        return input.length;
      }
    }
    if (at < end && !this.#stopped) this.#head = Buffer.from(chunk.subarray(at, end));
    return input.length;
  }

  #tooLarge(size: number): ZmqError {
    const limit = this.maxFrameSize >= 0 ? `the ${this.maxFrameSize} octets ${this.limitName} leaves it` : "2^53, the most a length can say here";
    return new ZmqError("EMSGSIZE", `Peer sent a ${size}-byte frame, above ${limit}`);
  }

  /** Takes what belongs to the pending body from chunk[at..]; delivers it when complete. Returns the new offset. */
  #fillBody(chunk: Buffer, at: number): number {
    const filled = this.#bodyFilled;
    const n = Math.min(chunk.length - at, this.#bodySize - filled);
    let body = this.#body!;
    if (filled + n > body.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.#bodySize, Math.max(body.length * 2, filled + n)));
      body.copy(grown, 0, 0, filled);
      body = this.#body = grown;
    }
    chunk.copy(body, filled, at, at + n);
    this.#bodyFilled = filled + n;
    if (this.#bodyFilled === this.#bodySize) {
      this.#body = null;
      if (!this.#stopped) this.#sink.onFrame(this.#bodyFlags, body);
    }
    return at + n;
  }
}
