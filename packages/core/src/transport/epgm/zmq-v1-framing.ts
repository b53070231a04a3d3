/**
 * How libzmq frames messages inside PGM (its pgm_sender/pgm_receiver): each
 * TSDU starts with a 2-octet offset of the first message that begins in it
 * (0xffff: none, the packet continues a message), then ZMTP/1.0 frames: a
 * length (1 octet, or 0xff and 8 octets) counting the flags octet, the
 * flags (bit 0: more), the body. A receiver that joins late, or lost data,
 * skips to the next offset.
 */

/** The offset value of a TSDU in which no message begins. */
export const NO_MESSAGE_START = 0xffff;

/** Encodes one frame's header (length and flags) in ZMTP/1.0 form. */
export function v1FrameHeader(bodyLength: number, more: boolean): Buffer {
  const size = bodyLength + 1;
  if (size < 0xff) return Buffer.from([size, more ? 1 : 0]);
  const head = Buffer.alloc(10);
  head[0] = 0xff;
  head.writeBigUInt64BE(BigInt(size), 1);
  head[9] = more ? 1 : 0;
  return head;
}

/**
 * Reassembles messages from the TSDUs of one source, in order. Bounded:
 * a frame above `maxMessageSize` (or, with no limit, above `hardLimit`)
 * is a malformed stream, and the decoder loses sync until the next
 * message start.
 */
export class V1Decoder {
  #synced = false;
  #rest: Buffer = Buffer.alloc(0);
  #frames: Buffer[] = [];
  #bytes = 0;
  readonly #limit: number;

  constructor(maxMessageSize: number, hardLimit: number) {
    this.#limit = maxMessageSize >= 0 ? Math.min(maxMessageSize, hardLimit) : hardLimit;
  }

  /** Loses what was partial (data lost or malformed): wait for the next message start. */
  reset(): void {
    this.#synced = false;
    this.#rest = Buffer.alloc(0);
    this.#frames = [];
    this.#bytes = 0;
  }

  /**
   * Feeds one TSDU; complete messages go to `deliver`. Returns false when the
   * TSDU was malformed (the decoder then waits for the next message start).
   */
  push(tsdu: Buffer, deliver: (msg: Buffer[]) => void): boolean {
    if (tsdu.length < 2) return false;
    const offset = tsdu.readUInt16BE(0);
    let data: Buffer;
    if (!this.#synced) {
      if (offset === NO_MESSAGE_START) return true;
      if (2 + offset > tsdu.length) return false;
      this.#synced = true;
      data = tsdu.subarray(2 + offset);
    } else {
      data = this.#rest.length > 0 ? Buffer.concat([this.#rest, tsdu.subarray(2)]) : tsdu.subarray(2);
    }
    let p = 0;
    for (;;) {
      if (p >= data.length) break;
      let size: number;
      let head: number;
      if (data[p]! < 0xff) {
        size = data[p]!;
        head = 1;
      } else {
        if (p + 9 > data.length) break;
        const big = data.readBigUInt64BE(p + 1);
        if (big > BigInt(this.#limit + 1)) return this.#malformed();
        size = Number(big);
        head = 9;
      }
      if (size < 1 || size - 1 > this.#limit || this.#bytes + size - 1 > this.#limit) return this.#malformed();
      if (p + head + size > data.length) break;
      const flags = data[p + head]!;
      const body = Buffer.from(data.subarray(p + head + 1, p + head + size));
      this.#frames.push(body);
      this.#bytes += body.length;
      p += head + size;
      if ((flags & 1) === 0) {
        const msg = this.#frames;
        this.#frames = [];
        this.#bytes = 0;
        deliver(msg);
      }
    }
    this.#rest = Buffer.from(data.subarray(p));
    return true;
  }

  #malformed(): boolean {
    this.reset();
    return false;
  }
}
