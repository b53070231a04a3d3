/**
 * A streaming ZMTP frame decoder. It accepts the bytes of a connection in
 * whatever pieces the kernel hands them out and calls its sink once per
 * complete frame.
 *
 * Hot-path notes: a frame that lies whole inside a chunk is handed out as a
 * `subarray` view (no copy); only a body split across chunks is assembled
 * into a buffer of its own, and only a header split across chunks (at most
 * 8 octets) is carried over.
 */
import { constants as bufferConstants } from "node:buffer";
import { ProtocolError, ZmqError } from "../errors.js";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, FLAGS_RESERVED } from "./frame.js";

/** Receives decoded frames. */
export interface FrameSink {
  onFrame(flags: number, body: Buffer): void;
}

/** Bodies above 2^53 cannot be represented; nothing real sends them. */
const MAX_SAFE_HIGH = 0x1fffff;
/** The largest Buffer Node can allocate: a body above it is refused as EMSGSIZE, never a RangeError. */
const MAX_BODY = bufferConstants.MAX_LENGTH;

export class FrameDecoder {
  /** Largest frame body accepted, or -1 for no limit (`maxMessageSize`). */
  maxFrameSize: number;
  #sink: FrameSink;
  #head: Buffer | null = null;
  #body: Buffer | null = null;
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

  /** Feeds bytes. Throws a {@link ProtocolError} on malformed input. */
  write(chunk: Buffer): void {
    let at = 0;
    const end = chunk.length;
    if (this.#body !== null) {
      at = this.#fillBody(chunk, 0);
      if (this.#body !== null || this.#stopped) return;
    } else if (this.#head !== null) {
      at = this.#completeHead(chunk);
      if (at < 0 || this.#stopped) return;
    }
    const sink = this.#sink;
    while (at < end && !this.#stopped) {
      const flags = chunk[at]!;
      let size: number;
      let headerLength: number;
      if ((flags & FLAG_LONG) === 0) {
        if (end - at < 2) break;
        size = chunk[at + 1]!;
        headerLength = 2;
      } else {
        if (end - at < 9) break;
        const high = chunk.readUInt32BE(at + 1);
        if (high > MAX_SAFE_HIGH) throw this.#tooLarge(Number.MAX_SAFE_INTEGER);
        size = high * 0x100000000 + chunk.readUInt32BE(at + 5);
        headerLength = 9;
      }
      this.#checkHeader(flags, size);
      at += headerLength;
      if (end - at >= size) {
        const body = chunk.subarray(at, at + size);
        at += size;
        sink.onFrame(flags, body);
      } else {
        this.#startBody(flags, size);
        this.#fillBody(chunk, at);
        return;
      }
    }
    if (at < end && !this.#stopped) this.#head = Buffer.from(chunk.subarray(at, end));
  }

  #checkHeader(flags: number, size: number): void {
    if ((flags & FLAGS_RESERVED) !== 0) {
      throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `Invalid frame flags 0x${flags.toString(16)}: reserved bits set`);
    }
    if ((flags & FLAG_COMMAND) !== 0 && (flags & FLAG_MORE) !== 0) {
      throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", "Command frame with MORE flag set");
    }
    if (this.maxFrameSize >= 0 && size > this.maxFrameSize) throw this.#tooLarge(size);
    if (size > MAX_BODY) throw new ZmqError("EMSGSIZE", `Peer sent a ${size}-byte frame, above the largest Buffer (${MAX_BODY})`);
  }

  #tooLarge(size: number): ZmqError {
    return new ZmqError(
      "EMSGSIZE",
      `Peer sent a ${size}-byte frame, above maxMessageSize ${this.maxFrameSize}`,
    );
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
    let size: number;
    if (needed === 2) {
      size = full[1]!;
    } else {
      const high = full.readUInt32BE(1);
      if (high > MAX_SAFE_HIGH) throw this.#tooLarge(Number.MAX_SAFE_INTEGER);
      size = high * 0x100000000 + full.readUInt32BE(5);
    }
    this.#checkHeader(flags, size);
    if (chunk.length - take >= size) {
      this.#sink.onFrame(flags, chunk.subarray(take, take + size));
      return take + size;
    }
    this.#startBody(flags, size);
    this.#fillBody(chunk, take);
    return -1;
  }

  #startBody(flags: number, size: number): void {
    this.#body = Buffer.allocUnsafe(size);
    this.#bodyFilled = 0;
    this.#bodyFlags = flags;
  }

  /** Copies from chunk[at..] into the pending body; delivers it when full. Returns the new offset. */
  #fillBody(chunk: Buffer, at: number): number {
    const body = this.#body!;
    const want = body.length - this.#bodyFilled;
    const have = chunk.length - at;
    const n = have < want ? have : want;
    chunk.copy(body, this.#bodyFilled, at, at + n);
    this.#bodyFilled += n;
    if (this.#bodyFilled === body.length) {
      this.#body = null;
      this.#sink.onFrame(this.#bodyFlags, body);
    }
    return at + n;
  }
}
