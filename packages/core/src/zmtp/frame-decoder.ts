/**
 * A streaming ZMTP frame decoder. It accepts the bytes of a connection in
 * whatever pieces the kernel hands them out and calls its sink once per
 * complete frame.
 *
 * Hot-path notes: a frame that lies whole inside a chunk is handed out as a
 * view of it (no copy; util/buffer.ts `viewOf`); only a body split across chunks is assembled
 * into a buffer of its own (frame-body.ts), and only a header split across
 * chunks (at most 8 octets) is carried over. While a large body is in
 * progress the connection may read its octets straight into that buffer
 * ({@link FrameDecoder.readTarget}, zmtp/direct-read.ts).
 *
 * What a peer can make it hold: a body split across chunks holds at most
 * `max(1 MiB, 2 x octets received)` (frame-body.ts), never the size a header
 * announces (a header claiming 2^40 octets costs 1 MiB until they come). A
 * size above {@link maxFrameSize}, or above the largest Buffer Node can
 * make, is refused as soon as the header is read.
 */
import { BUFFER_MAX_LENGTH, Buffer, viewOf } from "../util/buffer.js";
import { ProtocolError, ZmqError } from "../errors.js";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, FLAGS_RESERVED } from "./frame.js";
import { FrameBody } from "./frame-body.js";

/** Receives decoded frames. */
export interface FrameSink {
  onFrame(flags: number, body: Buffer): void;
}

/**
 * Receives runs of whole one-frame messages, left in the chunk they came in
 * (the engine's fast path, zmtp/message-run.ts): `count` frames with flags 0
 * or LONG (no MORE, no COMMAND), back to back in `chunk[start..end)`, each
 * already checked against {@link FrameDecoder.maxFrameSize}.
 */
export interface MessageRunSink {
  onMessages(chunk: Buffer, start: number, end: number, count: number): void;
}

/** Bodies above 2^53 cannot be represented; nothing real sends them. */
const MAX_SAFE_HIGH = 0x1fffff;
/** The largest Buffer this Node can allocate (4 GiB on Node 20). */
const BUFFER_MAX = BUFFER_MAX_LENGTH;

export class FrameDecoder {
  /** Largest frame body accepted, or -1 for no limit (the engine sets it from its message limits). */
  maxFrameSize: number;
  /** The option named in the error for a frame above {@link maxFrameSize}. */
  limitName = "maxMessageSize";
  /**
   * Frames {@link write} may still deliver before it returns early (the
   * engine's per-turn budget); `Infinity` for no budget.
   */
  budget = Number.POSITIVE_INFINITY;
  /**
   * Where one-frame messages go as runs instead of one {@link FrameSink.onFrame}
   * each; null (the default) for frames one by one. Only frames at a message
   * boundary (the last data frame had no MORE flag) and whole in their chunk
   * join a run; anything else goes to the sink as before, in order.
   */
  runs: MessageRunSink | null = null;
  #sink: FrameSink;
  /** The last data frame had the MORE flag: the next data frame belongs to the same message. */
  #more = false;
  #head: Buffer | null = null;
  /** The body in progress, or null between bodies. */
  #body: FrameBody | null = null;
  #stopped = false;

  constructor(sink: FrameSink, maxFrameSize = -1) {
    this.#sink = sink;
    this.maxFrameSize = maxFrameSize;
  }

  /** Stops decoding: frames still in the current chunk are not delivered; a partial body is dropped. */
  stop(): void {
    this.#stopped = true;
    this.#body = null;
    this.#head = null;
  }

  /** True when no partial frame is buffered (a clean frame boundary). */
  get idle(): boolean {
    return this.#head === null && this.#body === null;
  }

  /** Octets of the frame in progress received so far (its header excluded). */
  get partialBytes(): number {
    return this.#body === null ? 0 : this.#body.filled;
  }

  /**
   * Where the next read may put its octets directly: the missing part of a
   * large body in progress (frame-body.ts), or null to read a chunk for
   * {@link write}. After such a read, call {@link bodyRead}.
   */
  readTarget(): Buffer | null {
    const body = this.#body;
    return body === null || this.#stopped ? null : body.readTarget();
  }

  /** `n` octets were read into the last {@link readTarget}: delivers the frame if that completed it. */
  bodyRead(n: number): void {
    const body = this.#body!;
    body.received(n);
    if (!body.complete) return;
    this.budget--;
    this.#deliverBody(body);
  }

  /**
   * Feeds bytes. Returns how many were consumed: all of them, unless
   * {@link budget} ran out first (the caller feeds the rest later).
   * Throws a {@link ProtocolError} on malformed input, a `EMSGSIZE`
   * {@link ZmqError} for a frame above the limit.
   */
  write(chunk: Buffer): number {
    const end = chunk.length;
    let at = 0;
    if (this.budget <= 0) return 0;
    if (this.#body !== null) {
      at = this.#fillBody(chunk, 0);
      if (this.#body !== null || this.#stopped) return end;
      if (--this.budget <= 0) return at;
    } else if (this.#head !== null) {
      at = this.#completeHead(chunk);
      if (at < 0 || this.#stopped) return end;
      if (this.#body === null && --this.budget <= 0) return at;
    }
    const sink = this.#sink;
    // Read once for every view cut from this chunk (util/buffer.ts viewOf: subarray reads them per call).
    const arrayBuffer = chunk.buffer;
    const base = chunk.byteOffset;
    while (at < end && !this.#stopped && this.#body === null) {
      // Read each time: the engine turns runs on when the handshake ends, maybe within this chunk.
      const runs = this.runs;
      if (runs !== null && !this.#more) {
        const after = this.#run(chunk, at, runs);
        if (after !== at) {
          at = after;
          if (this.budget <= 0) return at;
          continue;
        }
      }
      const flags = chunk[at]!;
      let size: number;
      let headerLength: number;
      if ((flags & FLAG_LONG) === 0) {
        if (end - at < 2) break;
        size = chunk[at + 1]!;
        headerLength = 2;
      } else {
        if (end - at < 9) break;
        size = this.#longSize(chunk, at + 1);
        headerLength = 9;
      }
      this.#checkHeader(flags, size);
      at += headerLength;
      if (end - at >= size) {
        const body = viewOf(arrayBuffer, base + at, size);
        at += size;
        if ((flags & FLAG_COMMAND) === 0) this.#more = (flags & FLAG_MORE) !== 0;
        sink.onFrame(flags, body);
        if (--this.budget <= 0) return at;
      } else {
        this.#startBody(flags, size);
        return this.#fillBody(chunk, at);
      }
    }
    if (at < end && !this.#stopped && this.#body === null) this.#head = Buffer.from(chunk.subarray(at, end));
    return end;
  }

  /**
   * The one-frame messages whole in `chunk` from `at` on, up to the first
   * frame that is not one (or not whole, or above {@link maxFrameSize}), or
   * until the budget runs out: handed to `runs` as one run. Returns the
   * offset after them (`at` when there was none).
   */
  #run(chunk: Buffer, at: number, runs: MessageRunSink): number {
    const end = chunk.length;
    const limit = this.maxFrameSize >= 0 ? this.maxFrameSize : BUFFER_MAX;
    const start = at;
    let count = 0;
    let budget = this.budget;
    while (budget > 0 && end - at >= 2) {
      const flags = chunk[at]!;
      let size: number;
      let headerLength: number;
      if (flags === 0) {
        size = chunk[at + 1]!;
        headerLength = 2;
      } else if (flags === FLAG_LONG && end - at >= 9) {
        const high = chunk.readUInt32BE(at + 1);
        if (high !== 0) break;
        size = chunk.readUInt32BE(at + 5);
        headerLength = 9;
      } else {
        break;
      }
      if (size > limit || end - at - headerLength < size) break;
      at += headerLength + size;
      count++;
      budget--;
    }
    if (count === 0) return at;
    this.budget = budget;
    runs.onMessages(chunk, start, at, count);
    return at;
  }

  /** The 8-octet size of a long frame (RFC 23 §"Framing": network order). */
  #longSize(data: Buffer, at: number): number {
    const high = data.readUInt32BE(at);
    if (high > MAX_SAFE_HIGH) throw this.#tooLarge(data.readBigUInt64BE(at).toString());
    return high * 0x100000000 + data.readUInt32BE(at + 4);
  }

  #checkHeader(flags: number, size: number): void {
    if ((flags & FLAGS_RESERVED) !== 0) {
      throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `Invalid frame flags 0x${flags.toString(16)}: reserved bits set`);
    }
    if ((flags & FLAG_COMMAND) !== 0 && (flags & FLAG_MORE) !== 0) {
      throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", "Command frame with MORE flag set");
    }
    if ((this.maxFrameSize >= 0 && size > this.maxFrameSize) || size > BUFFER_MAX) throw this.#tooLarge(String(size));
  }

  #tooLarge(size: string): ZmqError {
    const limit =
      this.maxFrameSize >= 0 && this.maxFrameSize < BUFFER_MAX
        ? `above the ${this.maxFrameSize} octets ${this.limitName} leaves it`
        : `above the largest Buffer Node can hold (${BUFFER_MAX} octets)`;
    return new ZmqError("EMSGSIZE", `Peer announced a ${size}-octet frame, ${limit}`);
  }

  /** Completes a header carried over from the previous chunk. Returns the offset after it, or -1. */
  #completeHead(chunk: Buffer): number {
    const head = this.#head!;
    const flags = head[0]!;
    const needed = (flags & FLAG_LONG) === 0 ? 2 : 9;
    const take = needed - head.length;
    if (chunk.length < take) {
      this.#head = Buffer.concat([head, chunk]);
      return -1;
    }
    const full = Buffer.concat([head, chunk.subarray(0, take)]);
    this.#head = null;
    const size = needed === 2 ? full[1]! : this.#longSize(full, 1);
    this.#checkHeader(flags, size);
    if (chunk.length - take >= size) {
      if ((flags & FLAG_COMMAND) === 0) this.#more = (flags & FLAG_MORE) !== 0;
      this.#sink.onFrame(flags, chunk.subarray(take, take + size));
      return take + size;
    }
    this.#startBody(flags, size);
    this.#fillBody(chunk, take);
    return -1;
  }

  #startBody(flags: number, size: number): void {
    this.#body = new FrameBody(flags, size);
  }

  /** Copies chunk[at..] into the pending body; delivers it when full. Returns the new offset. */
  #fillBody(chunk: Buffer, at: number): number {
    const body = this.#body!;
    at = body.fill(chunk, at);
    if (body.complete) this.#deliverBody(body);
    return at;
  }

  #deliverBody(body: FrameBody): void {
    this.#body = null;
    const flags = body.flags;
    if ((flags & FLAG_COMMAND) === 0) this.#more = (flags & FLAG_MORE) !== 0;
    this.#sink.onFrame(flags, body.body);
  }
}
