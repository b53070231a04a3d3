/**
 * WebSocket framing (RFC 6455 §5): the frame header encoder and a streaming
 * decoder that takes bytes in any split. Used by the ws:// transport, where
 * each ZMTP frame travels as one binary WebSocket message (RFC 45).
 */
import { constants } from "node:buffer";
import { nodeCrypto } from "../../util/lazy-require.js";
import { ProtocolError } from "../../errors.js";

/** RFC 6455 §5.2 opcodes. */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
/** One of the {@link Opcode} values. */
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** What the decoder hands over: whole data messages and control frames. */
export interface WebSocketSink {
  /** A complete binary message (fragments already joined). */
  onMessage(payload: Buffer): void;
  /** A control frame (close, ping, pong) with its payload. */
  onControl(opcode: Opcode, payload: Buffer): void;
}

/** Largest control frame payload (RFC 6455 §5.5). */
const CONTROL_MAX = 125;
/** The largest Buffer this Node can allocate: no message can be longer. */
const BUFFER_MAX = constants.MAX_LENGTH;

/**
 * Builds the header of one final frame (RFC 6455 §5.2): 7-, 16- or 64-bit
 * length, and the 4-octet masking key when `mask` is given (§5.3).
 */
export function encodeFrameHeader(opcode: Opcode, length: number, mask: Buffer | null): Buffer {
  const extra = length <= 125 ? 0 : length <= 0xffff ? 2 : 8;
  const header = Buffer.allocUnsafe(2 + extra + (mask === null ? 0 : 4));
  header[0] = 0x80 | opcode;
  const maskBit = mask === null ? 0 : 0x80;
  if (extra === 0) {
    header[1] = maskBit | length;
  } else if (extra === 2) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (mask !== null) mask.copy(header, 2 + extra);
  return header;
}

/**
 * Masking keys come from a pool of random bytes refilled as it runs out: one
 * `randomFillSync` per 2048 frames instead of one per frame. Keys stay
 * unpredictable to the peer, which is what RFC 6455 §5.3 asks.
 */
const MASK_POOL = Buffer.alloc(8192);
let maskOffset = MASK_POOL.length;

function nextMask(): Buffer {
  if (maskOffset + 4 > MASK_POOL.length) {
    nodeCrypto().randomFillSync(MASK_POOL);
    maskOffset = 0;
  }
  const mask = MASK_POOL.subarray(maskOffset, maskOffset + 4);
  maskOffset += 4;
  return mask;
}

/** XORs `data` with the masking key in place, starting at key offset `offset` (RFC 6455 §5.3). */
export function applyMask(data: Buffer, mask: Buffer, offset = 0): void {
  // Four octets per step with the key in locals: large payloads are masked in a tight loop.
  const m0 = mask[offset & 3]!;
  const m1 = mask[(offset + 1) & 3]!;
  const m2 = mask[(offset + 2) & 3]!;
  const m3 = mask[(offset + 3) & 3]!;
  const n = data.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    data[i] = data[i]! ^ m0;
    data[i + 1] = data[i + 1]! ^ m1;
    data[i + 2] = data[i + 2]! ^ m2;
    data[i + 3] = data[i + 3]! ^ m3;
  }
  for (; i < n; i++) data[i] = data[i]! ^ mask[(i + offset) & 3]!;
}

/**
 * Encodes one whole frame whose payload is the concatenation of `parts`.
 * A client masks with a fresh random key (RFC 6455 §5.3), which copies the
 * payload; a server writes the parts as they are. Returns the chunks to write.
 */
export function encodeFrame(opcode: Opcode, parts: Buffer[], masked: boolean): Buffer[] {
  let length = 0;
  for (const part of parts) length += part.length;
  if (!masked) return [encodeFrameHeader(opcode, length, null), ...parts];
  const mask = nextMask();
  const payload = Buffer.allocUnsafe(length);
  let at = 0;
  for (const part of parts) at += part.copy(payload, at);
  applyMask(payload, mask);
  return [encodeFrameHeader(opcode, length, mask), payload];
}

/**
 * Streaming frame decoder. `expectMasked` is true on the server side, where
 * every frame from the client must be masked and false on the client side,
 * where none may be (RFC 6455 §5.1). Text frames, reserved bits, bad
 * control frames and messages above `maxMessageSize` (-1: no limit) throw a
 * {@link ProtocolError}: the caller drops that peer.
 *
 * What a peer can make it hold: the octets it sent, never what a header
 * announces (bytes are joined only once a frame is complete), and the
 * fragments of one message in a single buffer that grows by doubling, so
 * a million one-octet fragments cost their octets, not a million objects.
 */
export class WebSocketDecoder {
  readonly #sink: WebSocketSink;
  readonly #expectMasked: boolean;
  /** Largest message payload accepted, its ZWS flags octet aside (-1: no limit); the stream above changes it after the ZMTP handshake. */
  maxMessageSize: number;
  /** The limit named in the error for a message above {@link maxMessageSize}. */
  limitName = "maxMessageSize";
  #buffered: Buffer[] = [];
  #bufferedBytes = 0;
  /** Fragments of a message not yet finished (RFC 6455 §5.4), joined as they come; null between messages. */
  #fragments: Buffer | null = null;
  #fragmentBytes = 0;
  /** Octets the next frame needs before it is worth looking at again (no re-joining per chunk). */
  #need = 2;
  #stopped = false;

  constructor(sink: WebSocketSink, expectMasked: boolean, maxMessageSize = -1) {
    this.#sink = sink;
    this.#expectMasked = expectMasked;
    this.maxMessageSize = maxMessageSize;
  }

  /** Stops delivering (the connection is closing). */
  stop(): void {
    this.#stopped = true;
    this.#buffered = [];
    this.#fragments = null;
  }

  /** Feeds received bytes; delivers every frame they complete. */
  write(chunk: Buffer): void {
    if (this.#stopped) return;
    this.#buffered.push(chunk);
    this.#bufferedBytes += chunk.length;
    if (this.#bufferedBytes < this.#need) return;
    this.resume();
  }

  /**
   * Frames the decoder may still deliver before it stops and keeps the rest
   * buffered (the caller's per-turn budget); `Infinity` for no budget.
   */
  budget = Number.POSITIVE_INFINITY;

  /** True when the budget ran out with octets still buffered: call {@link resume} with a new budget. */
  get blocked(): boolean {
    return this.budget <= 0 && this.#bufferedBytes >= Math.max(2, this.#need) && !this.#stopped;
  }

  /** Delivers the frames already buffered, as far as the budget allows. */
  resume(): void {
    while (!this.#stopped && this.budget > 0 && this.#readFrame()) this.budget--;
  }

  /** Joins the buffered chunks into one (only when a frame spans chunks). */
  #joined(): Buffer {
    if (this.#buffered.length > 1) this.#buffered = [Buffer.concat(this.#buffered, this.#bufferedBytes)];
    return this.#buffered[0] ?? Buffer.alloc(0);
  }

  #readFrame(): boolean {
    if (this.#bufferedBytes < Math.max(2, this.#need)) return false;
    const data = this.#joined();
    const first = data[0]!;
    const second = data[1]!;
    if ((first & 0x70) !== 0) throw new ProtocolError("ERR_WS_PROTOCOL", "WebSocket frame has reserved bits set (RFC 6455 §5.2)");
    const fin = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    const masked = (second & 0x80) !== 0;
    if (masked !== this.#expectMasked) {
      throw new ProtocolError(
        "ERR_WS_PROTOCOL",
        masked ? "Server sent a masked WebSocket frame (RFC 6455 §5.1)" : "Client sent an unmasked WebSocket frame (RFC 6455 §5.1)",
      );
    }
    let length = second & 0x7f;
    let at = 2;
    if (length === 126) {
      if (data.length < 4) return this.#wait(4);
      length = data.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (data.length < 10) return this.#wait(10);
      const long = data.readBigUInt64BE(2);
      if (long > BigInt(BUFFER_MAX)) throw new ProtocolError("ERR_WS_PROTOCOL", `WebSocket frame length ${long} is beyond what this process can hold`);
      length = Number(long);
      at = 10;
    }
    this.#checkOpcode(opcode, fin, length);
    const maskAt = at;
    if (masked) at += 4;
    if (data.length < at + length) return this.#wait(at + length);
    this.#need = 2;
    const payload = data.subarray(at, at + length);
    const rest = data.subarray(at + length);
    this.#buffered = rest.length > 0 ? [rest] : [];
    this.#bufferedBytes = rest.length;
    if (masked) applyMask(payload, data.subarray(maskAt, maskAt + 4));
    this.#deliver(opcode, fin, payload);
    return true;
  }

  #wait(need: number): false {
    this.#need = need;
    return false;
  }

  #checkOpcode(opcode: number, fin: boolean, length: number): void {
    if (opcode >= Opcode.Close) {
      if (opcode > Opcode.Pong) throw new ProtocolError("ERR_WS_PROTOCOL", `Unknown WebSocket opcode ${opcode}`);
      if (!fin || length > CONTROL_MAX) throw new ProtocolError("ERR_WS_PROTOCOL", "Malformed WebSocket control frame (RFC 6455 §5.5)");
      return;
    }
    if (opcode === Opcode.Text) throw new ProtocolError("ERR_WS_PROTOCOL", "Text WebSocket frame on a ZWS connection (RFC 45: binary only)");
    if (opcode !== Opcode.Binary && opcode !== Opcode.Continuation) {
      throw new ProtocolError("ERR_WS_PROTOCOL", `Unknown WebSocket opcode ${opcode}`);
    }
    if ((opcode === Opcode.Continuation) !== (this.#fragments !== null)) {
      throw new ProtocolError("ERR_WS_PROTOCOL", "Unexpected WebSocket continuation frame (RFC 6455 §5.4)");
    }
    const total = this.#fragmentBytes + length;
    const max = this.maxMessageSize;
    if ((max >= 0 && total > max + 1) || total > BUFFER_MAX) {
      const limit = max >= 0 ? `the ${max} octets ${this.limitName} allows` : "the largest Buffer Node can hold";
      throw new ProtocolError("ERR_WS_PROTOCOL", `WebSocket message of ${total} octets exceeds ${limit}`);
    }
  }

  #deliver(opcode: number, fin: boolean, payload: Buffer): void {
    if (opcode >= Opcode.Close) {
      this.#sink.onControl(opcode as Opcode, payload);
      return;
    }
    if (fin && this.#fragments === null) {
      this.#sink.onMessage(payload);
      return;
    }
    this.#appendFragment(payload);
    if (!fin) return;
    const whole = this.#fragments!.subarray(0, this.#fragmentBytes);
    this.#fragments = null;
    this.#fragmentBytes = 0;
    this.#sink.onMessage(whole);
  }

  /** Copies a fragment's payload after the ones before it, growing the buffer by doubling. */
  #appendFragment(payload: Buffer): void {
    const needed = this.#fragmentBytes + payload.length;
    let buffer = this.#fragments;
    if (buffer === null || buffer.length < needed) {
      const grown = Buffer.allocUnsafe(Math.min(BUFFER_MAX, Math.max(needed, 2 * (buffer?.length ?? 0), 256)));
      if (buffer !== null) buffer.copy(grown, 0, 0, this.#fragmentBytes);
      buffer = grown;
    }
    payload.copy(buffer, this.#fragmentBytes);
    this.#fragments = buffer;
    this.#fragmentBytes = needed;
  }
}
