/**
 * The two headers of a plain unary call, written without the reflected
 * protobuf encoder: a request (`version`, `kind`, `service`, `method`,
 * `correlation_id`, `deadline_ms`) and its reply (`version`, `kind`,
 * `correlation_id`). What every request of one method shares is encoded
 * once; a call adds its correlation id and deadline. The bytes are exactly
 * those {@link encodeEnvelope} writes for the same envelope (protobuf fields
 * in field-number order, as protobufjs writes them), so a reader cannot tell
 * them apart; anything else (metadata, trace context, credit) goes through
 * {@link encodeEnvelope}. Only our own values are written here: headers a
 * peer sent are always read by {@link decodeEnvelope}.
 */
import { asFrame, isFrame } from "./bytes.js";
import { encodeEnvelope } from "./envelope.js";
import { KIND_TO_WIRE } from "./envelope-kind.js";
import { PROTOCOL_VERSION } from "./envelope-schema.js";
import { DEFAULT_LIMITS } from "./limits.js";

// Protobuf tags (field number << 3 | wire type) of the Header fields written here.
const TAG_VERSION = 0x08; // 1, varint
const TAG_KIND = 0x18; // 3, varint
const TAG_SERVICE = 0x22; // 4, length-delimited
const TAG_METHOD = 0x2a; // 5, length-delimited
const TAG_CORRELATION_ID = 0x3a; // 7, length-delimited
const TAG_DEADLINE = 0x40; // 8, varint

const NodeBuffer = (globalThis as { Buffer?: BufferConstructor }).Buffer;
const utf8 = new TextEncoder();

/** The reply header's fixed fields: version and kind. */
const REPLY_PREFIX = Uint8Array.of(TAG_VERSION, PROTOCOL_VERSION, TAG_KIND, KIND_TO_WIRE.reply);

/**
 * Writes the request frames of one method's unary calls.
 *
 * @example
 * ```ts
 * const writer = new RequestHeaderWriter("example.Greeter", "SayHello");
 * const frames = writer.encode("c.1", Date.now() + 1000, HelloRequest.encode({ name: "Ada" }));
 * // the same frames as encodeEnvelope({ kind: "request", service, method, correlationId: "c.1", deadline, payload })
 * ```
 */
export class RequestHeaderWriter {
  readonly #service: string;
  readonly #method: string;
  /** version, kind, service and method, encoded once. */
  readonly #prefix: Uint8Array;

  constructor(service: string, method: string) {
    this.#service = service;
    this.#method = method;
    const serviceBytes = utf8.encode(service);
    const methodBytes = utf8.encode(method);
    const prefix = new Uint8Array(4 + 1 + varintSize(serviceBytes.length) + serviceBytes.length + 1 + varintSize(methodBytes.length) + methodBytes.length);
    prefix.set([TAG_VERSION, PROTOCOL_VERSION, TAG_KIND, KIND_TO_WIRE.request]);
    let at = writeString(prefix, 4, TAG_SERVICE, serviceBytes);
    at = writeString(prefix, at, TAG_METHOD, methodBytes);
    this.#prefix = prefix;
  }

  /**
   * `[header, payload]` of a request with `correlationId` and `deadline`
   * (Unix epoch ms; `undefined`: none), as {@link encodeEnvelope} makes it,
   * and with the same errors for a value it refuses (an empty correlation id,
   * a deadline that is not a non-negative safe integer, a payload or header
   * over the default limits).
   */
  encode(correlationId: string, deadline: number | undefined, payload: Buffer): Buffer[] {
    const idLength = typeof correlationId === "string" ? byteLength(correlationId) : -1;
    // A deadline of 0 means none: protobufjs leaves that uint64 out, so does this.
    const withDeadline = deadline !== undefined && deadline !== 0;
    const size = this.#prefix.length + 1 + varintSize(idLength) + idLength + (withDeadline ? 1 + varintSize(deadline) : 0);
    if (
      idLength <= 0 ||
      (deadline !== undefined && !(Number.isSafeInteger(deadline) && deadline >= 0)) ||
      !isFrame(payload) ||
      payload.length > DEFAULT_LIMITS.maxPayloadSize ||
      size > DEFAULT_LIMITS.maxHeaderSize
    ) {
      // Whatever is wrong, encodeEnvelope says it in its own words (or writes what is right).
      return encodeEnvelope({ kind: "request", service: this.#service, method: this.#method, correlationId, ...(deadline === undefined ? {} : { deadline }), payload: [payload] });
    }
    const header = allocate(size);
    header.set(this.#prefix, 0);
    let at = writeId(header, this.#prefix.length, correlationId, idLength);
    if (withDeadline) {
      header[at++] = TAG_DEADLINE;
      writeVarint(header, at, deadline);
    }
    return [header, payload];
  }
}

/**
 * `[header, payload]` of the reply to `correlationId`, as
 * {@link encodeEnvelope} makes `{ kind: "reply", correlationId, payload: [payload] }`,
 * with its errors.
 */
export function encodeReply(correlationId: string, payload: Buffer): Buffer[] {
  const idLength = typeof correlationId === "string" ? byteLength(correlationId) : -1;
  const size = REPLY_PREFIX.length + 1 + varintSize(idLength) + idLength;
  if (idLength <= 0 || !isFrame(payload) || payload.length > DEFAULT_LIMITS.maxPayloadSize || size > DEFAULT_LIMITS.maxHeaderSize) {
    return encodeEnvelope({ kind: "reply", correlationId, payload: [payload] });
  }
  const header = allocate(size);
  header.set(REPLY_PREFIX, 0);
  writeId(header, REPLY_PREFIX.length, correlationId, idLength);
  return [header, payload];
}

function allocate(size: number): Buffer {
  return NodeBuffer === undefined ? asFrame(new Uint8Array(size)) : NodeBuffer.allocUnsafe(size);
}

function byteLength(text: string): number {
  return NodeBuffer === undefined ? utf8.encode(text).length : NodeBuffer.byteLength(text, "utf8");
}

/** Writes the correlation id field at `at`; returns the offset after it. */
function writeId(header: Buffer, at: number, correlationId: string, idLength: number): number {
  header[at++] = TAG_CORRELATION_ID;
  at = writeVarint(header, at, idLength);
  if (NodeBuffer === undefined) header.set(utf8.encode(correlationId), at);
  else header.write(correlationId, at, idLength, "utf8");
  return at + idLength;
}

function writeString(out: Uint8Array, at: number, tag: number, bytes: Uint8Array): number {
  out[at++] = tag;
  at = writeVarint(out, at, bytes.length);
  out.set(bytes, at);
  return at + bytes.length;
}

/** Bytes of `value` (a non-negative safe integer) as a protobuf varint. */
function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

/** Writes `value` (a non-negative safe integer) as a varint at `at`; returns the offset after it. No 32-bit operators: a deadline is past 2^32. */
function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[at++] = value;
  return at;
}
