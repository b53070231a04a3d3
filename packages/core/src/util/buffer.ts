/**
 * The `Buffer` the rest of core uses: Node's own where there is one (Node,
 * Bun, Deno), and where there is none (a browser) {@link PortableBuffer}, a
 * `Uint8Array` with the few `Buffer` methods core calls on bytes (audited in
 * docs/browser.md). It is not a Buffer polyfill: only what the ZMTP engine,
 * the mechanisms and the sockets use, so a browser bundle stays small.
 *
 * Core's files import `Buffer` from here rather than use the global, so no
 * browser bundle needs a global `Buffer`.
 */

type Encoding = "utf8" | "utf-8" | "latin1" | "binary" | "ascii" | "hex" | "base64";

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

function encodingOf(encoding: string | undefined): Encoding {
  const name = (encoding ?? "utf8").toLowerCase();
  switch (name) {
    case "utf8":
    case "utf-8":
    case "latin1":
    case "binary":
    case "ascii":
    case "hex":
    case "base64":
      return name;
    default:
      throw new TypeError(`Unknown encoding: ${encoding}`);
  }
}

function encodeString(text: string, encoding: Encoding): Uint8Array {
  switch (encoding) {
    case "utf8":
    case "utf-8":
      return utf8Encoder.encode(text);
    case "hex": {
      const out = new Uint8Array(text.length >>> 1);
      for (let i = 0; i < out.length; i++) {
        const byte = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
        if (Number.isNaN(byte)) return out.subarray(0, i);
        out[i] = byte;
      }
      return out;
    }
    case "base64": {
      const binary = atob(text);
      const out = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
      return out;
    }
    default: {
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
      return out;
    }
  }
}

/**
 * Bytes with the subset of Node's `Buffer` API core uses. `slice` is a view,
 * as `Buffer.slice` is (a `Uint8Array`'s copies).
 */
export class PortableBytes extends Uint8Array {
  override slice(start?: number, end?: number): PortableBytes {
    return this.subarray(start, end) as PortableBytes;
  }

  override toString(encoding?: string, start = 0, end = this.length): string {
    const bytes = this.subarray(Math.max(0, start), Math.min(this.length, end));
    const name = encodingOf(encoding);
    if (name === "utf8" || name === "utf-8") return utf8Decoder.decode(bytes);
    if (name === "hex") {
      let out = "";
      for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
      return out;
    }
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(name === "ascii" ? byte & 0x7f : byte);
    return name === "base64" ? btoa(binary) : binary;
  }

  equals(other: Uint8Array): boolean {
    if (other.length !== this.length) return false;
    for (let i = 0; i < this.length; i++) if (this[i] !== other[i]) return false;
    return true;
  }

  /** Copies into `target` and returns the octets copied (`Buffer.copy`). */
  copy(target: Uint8Array, targetStart = 0, sourceStart = 0, sourceEnd = this.length): number {
    const count = Math.max(0, Math.min(sourceEnd, this.length) - sourceStart, 0);
    const take = Math.min(count, target.length - targetStart);
    if (take <= 0) return 0;
    target.set(this.subarray(sourceStart, sourceStart + take), targetStart);
    return take;
  }

  /**
   * Writes `text` (`Buffer.write`: `(text, encoding)`, `(text, offset, encoding)` or
   * `(text, offset, length, encoding)`); returns the octets written.
   */
  write(text: string, ...rest: Array<string | number | undefined>): number {
    const encoding = typeof rest[rest.length - 1] === "string" ? (rest.pop() as string) : undefined;
    const offset = (rest[0] as number | undefined) ?? 0;
    const length = (rest[1] as number | undefined) ?? this.length - offset;
    const bytes = encodeString(text, encodingOf(encoding));
    const take = Math.min(bytes.length, length, this.length - offset);
    this.set(bytes.subarray(0, take), offset);
    return take;
  }

  #view(): DataView {
    return new DataView(this.buffer, this.byteOffset, this.byteLength);
  }

  readUInt16BE(offset = 0): number {
    return this.#view().getUint16(offset);
  }

  readUInt32BE(offset = 0): number {
    return this.#view().getUint32(offset);
  }

  readBigUInt64BE(offset = 0): bigint {
    return this.#view().getBigUint64(offset);
  }

  writeUInt16BE(value: number, offset = 0): number {
    this.#view().setUint16(offset, value);
    return offset + 2;
  }

  writeUInt32BE(value: number, offset = 0): number {
    this.#view().setUint32(offset, value);
    return offset + 4;
  }

  writeBigUInt64BE(value: bigint, offset = 0): number {
    this.#view().setBigUint64(offset, value);
    return offset + 8;
  }
}

/** The static side of {@link PortableBytes}: `Buffer.from`, `alloc`, `allocUnsafe`, `concat`, `isBuffer`, `byteLength`. */
export const PortableBuffer = {
  from(value: string | ArrayBufferLike | ArrayLike<number> | Iterable<number>, encodingOrOffset?: string | number, length?: number): PortableBytes {
    if (typeof value === "string") {
      const bytes = encodeString(value, encodingOf(encodingOrOffset as string | undefined));
      return new PortableBytes(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
    }
    if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
      const offset = (encodingOrOffset as number | undefined) ?? 0;
      return new PortableBytes(value as ArrayBuffer, offset, length ?? value.byteLength - offset);
    }
    // Copies, as Buffer.from(array or view) does.
    const source = value as ArrayLike<number>;
    const out = new PortableBytes(source.length);
    out.set(source);
    return out;
  },

  alloc(size: number, fill?: number): PortableBytes {
    const out = new PortableBytes(size);
    if (fill !== undefined && fill !== 0) out.fill(fill);
    return out;
  },

  allocUnsafe(size: number): PortableBytes {
    return new PortableBytes(size);
  },

  concat(list: readonly Uint8Array[], totalLength?: number): PortableBytes {
    let total = totalLength;
    if (total === undefined) {
      total = 0;
      for (const part of list) total += part.length;
    }
    const out = new PortableBytes(total);
    let at = 0;
    for (const part of list) {
      if (at >= total) break;
      const take = Math.min(part.length, total - at);
      out.set(take === part.length ? part : part.subarray(0, take), at);
      at += take;
    }
    return out;
  },

  isBuffer(value: unknown): value is PortableBytes {
    return value instanceof PortableBytes;
  },

  byteLength(text: string | ArrayBufferView | ArrayBufferLike, encoding?: string): number {
    if (typeof text !== "string") return text.byteLength;
    const name = encodingOf(encoding);
    if (name === "utf8" || name === "utf-8") return utf8Encoder.encode(text).length;
    if (name === "hex") return text.length >>> 1;
    if (name === "base64") return atob(text).length;
    return text.length;
  },
};

/** Node's Buffer where there is one, else {@link PortableBuffer}. */
const NodeBuffer = (globalThis as { Buffer?: BufferConstructor }).Buffer;
export const Buffer: BufferConstructor = NodeBuffer ?? (PortableBuffer as unknown as BufferConstructor);
export type Buffer = globalThis.Buffer;

/**
 * The largest Buffer this runtime can allocate (Node's `buffer.constants.MAX_LENGTH`, read without
 * importing `node:buffer`): 4 GiB on Node 20, 2^53 - 1 from Node 22; 4 GiB where there is no Node.
 */
function maxLength(): number {
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  const major = node === undefined ? 0 : Number.parseInt(node, 10);
  return major >= 22 ? Number.MAX_SAFE_INTEGER : 2 ** 32;
}

export const BUFFER_MAX_LENGTH = maxLength();

/**
 * A Buffer over `length` octets of `arrayBuffer` from `byteOffset`, no copy: what
 * `chunk.subarray(start, end)` makes, for a caller that read `chunk.buffer` and
 * `chunk.byteOffset` once for many views (the frame decoder cuts one per frame).
 *
 * On Node it is `new FastBuffer(...)`, the class Node's own `subarray` and
 * `Buffer.from(arrayBuffer)` construct (exposed as `Buffer[Symbol.species]`),
 * so the view is a Buffer like any other (its prototype is `Buffer.prototype`).
 * `subarray` itself reads the `buffer` and `byteOffset` getters of its
 * receiver each time, which on Node 20 costs 2 to 3 times the view
 * (packages/core/bench/frame-view.bench.ts). Elsewhere (Bun, Deno, a browser)
 * it is `Buffer.from(arrayBuffer, byteOffset, length)`.
 */
export const viewOf: (arrayBuffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer = viewMaker();

function viewMaker(): (arrayBuffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer {
  const species = (Buffer as unknown as { [Symbol.species]?: unknown })[Symbol.species];
  if (typeof species === "function" && species !== Buffer && species.prototype === Buffer.prototype) {
    const FastBuffer = species as new (arrayBuffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer;
    return (arrayBuffer, byteOffset, length) => new FastBuffer(arrayBuffer, byteOffset, length);
  }
  return (arrayBuffer, byteOffset, length) => Buffer.from(arrayBuffer as ArrayBuffer, byteOffset, length);
}
