/**
 * The envelope: a typed call or event as the list of ZeroMQ frames
 * `[header, ...payload]`. See docs/wire-format.md for the bytes.
 */
import protobuf from "protobufjs";
import { asFrame, isFrame } from "./bytes.js";
import { protobufReader } from "./flat-string-reader.js";
import { CodecError, CodecErrorCode, describeError } from "./errors.js";
import { type EnvelopeKind, KIND_TO_WIRE, kindFromWire } from "./envelope-kind.js";
import { HeaderType, type HeaderMessage, PROTOCOL_VERSION } from "./envelope-schema.js";
import { type CodecLimits, resolveLimits } from "./limits.js";

/**
 * One skein message. Routing frames (ROUTER identities, the empty delimiter)
 * are not part of it: the socket layer strips them before
 * {@link decodeEnvelope} and prepends them after {@link encodeEnvelope}.
 */
export interface Envelope {
  /** What the message is; decides which fields are required. */
  kind: EnvelopeKind;
  /** Fully-qualified service name (`request`: required), e.g. `"example.Greeter"`. */
  service?: string;
  /** Method name as declared in the `.proto` (`request`: required), e.g. `"SayHello"`. */
  method?: string;
  /** Event topic (`event`: required). */
  topic?: string;
  /** Ties a reply, error, stream item or cancel to its request (required for all but `event`). */
  correlationId?: string;
  /** Absolute deadline in Unix epoch milliseconds. */
  deadline?: number;
  /** W3C Trace Context `traceparent` header value. */
  traceparent?: string;
  /** W3C Trace Context `tracestate` header value. */
  tracestate?: string;
  /** Application metadata (string keys and values). */
  metadata?: Readonly<Record<string, string>>;
  /** Fully-qualified protobuf type of the payload frames, when the sender states it. */
  payloadType?: string;
  /**
   * Stream credit: on a `request`, the reply-stream items the caller accepts
   * before it grants more (unset: no flow control); on a `credit` message
   * (required there, at least 1), the further items granted.
   */
  credit?: number;
  /** The payload frames, each one protobuf-encoded message; may be empty. */
  payload: readonly Buffer[];
  /**
   * Protocol version of the writer. Set by {@link decodeEnvelope}; ignored by
   * {@link encodeEnvelope}, which always writes {@link PROTOCOL_VERSION}.
   */
  version?: number;
  /**
   * Header fields this reader did not understand, as raw protobuf fields, set
   * by {@link decodeEnvelope} when a newer writer added some (best-effort decode).
   */
  unknownHeaderFields?: readonly Uint8Array[];
}

/** Options for {@link encodeEnvelope} and {@link decodeEnvelope}. */
export interface EnvelopeOptions {
  /** Size limits; unset fields use {@link DEFAULT_LIMITS}. */
  limits?: Partial<CodecLimits>;
}

/**
 * Encodes an envelope as ZeroMQ frames `[header, ...payload]`. The payload
 * buffers are passed through as they are (no copy); only the header is encoded.
 *
 * @throws {@link CodecError} `ERR_CODEC_INVALID_ENVELOPE` if a field the kind
 * requires is missing or a field has the wrong type; `ERR_CODEC_TOO_LARGE` if
 * the header or payload is over the limit.
 *
 * @example
 * ```ts
 * const frames = encodeEnvelope({
 *   kind: "request", service: "example.Greeter", method: "SayHello",
 *   correlationId: "1", payload: [HelloRequest.encode({ name: "Ada" })],
 * });
 * await dealer.send(frames);
 * ```
 */
export function encodeEnvelope(envelope: Envelope, options?: EnvelopeOptions): Buffer[] {
  const limits = resolveLimits(options?.limits);
  validateEnvelope(envelope);
  checkPayloadSize(envelope.payload, limits);
  const header = HeaderType.encode(toHeaderMessage(envelope)).finish();
  const headerFrame = asFrame(header);
  if (headerFrame.length > limits.maxHeaderSize) {
    throw new CodecError(
      CodecErrorCode.TOO_LARGE,
      `envelope header is ${headerFrame.length} bytes, over maxHeaderSize ${limits.maxHeaderSize}: send less metadata or raise the limit`,
    );
  }
  const frames = new Array<Buffer>(envelope.payload.length + 1);
  frames[0] = headerFrame;
  for (let i = 0; i < envelope.payload.length; i++) frames[i + 1] = envelope.payload[i]!;
  return frames;
}

/**
 * Decodes frames `[header, ...payload]` into an envelope. Payload frames are
 * returned as the same Buffer objects (no copy). A header written by a newer
 * protocol version is decoded best-effort when it says this version may read
 * it (`min_version`); its unknown fields land in `unknownHeaderFields`.
 *
 * Never throws anything but a {@link CodecError}, whatever the bytes.
 *
 * @throws {@link CodecError} `ERR_CODEC_MALFORMED_HEADER`, `ERR_CODEC_TOO_LARGE`,
 * `ERR_CODEC_UNSUPPORTED_VERSION` or `ERR_CODEC_UNKNOWN_KIND`.
 */
export function decodeEnvelope(frames: readonly Buffer[], options?: EnvelopeOptions): Envelope {
  const limits = resolveLimits(options?.limits);
  if (frames.length === 0) {
    throw new CodecError(CodecErrorCode.MALFORMED_HEADER, "message has no frames: expected [header, ...payload]");
  }
  const headerFrame = frames[0]!;
  if (headerFrame.length > limits.maxHeaderSize) {
    throw new CodecError(
      CodecErrorCode.TOO_LARGE,
      `envelope header is ${headerFrame.length} bytes, over maxHeaderSize ${limits.maxHeaderSize}`,
    );
  }
  const payload = frames.slice(1);
  checkPayloadSize(payload, limits);
  const header = readHeader(headerFrame);
  const kind = checkHeader(header);
  const envelope: Envelope = { kind, payload, version: header.version, metadata: header.metadata };
  if (header.service !== "") envelope.service = header.service;
  if (header.method !== "") envelope.method = header.method;
  if (header.topic !== "") envelope.topic = header.topic;
  if (header.correlationId !== "") envelope.correlationId = header.correlationId;
  const deadline = unsignedToNumber(header.deadlineMs);
  if (deadline !== 0) envelope.deadline = deadline;
  if (header.traceparent !== "") envelope.traceparent = header.traceparent;
  if (header.tracestate !== "") envelope.tracestate = header.tracestate;
  if (header.payloadType !== "") envelope.payloadType = header.payloadType;
  if (header.credit !== 0) envelope.credit = header.credit;
  if (header.$unknowns !== undefined) envelope.unknownHeaderFields = header.$unknowns;
  checkRequiredFields(envelope, CodecErrorCode.MALFORMED_HEADER);
  return envelope;
}

function readHeader(frame: Buffer): HeaderMessage {
  const reader = protobufReader(frame);
  // Keep fields a newer writer added, so a best-effort reader can report them.
  reader.discardUnknown = false;
  try {
    return HeaderType.decode(reader) as unknown as HeaderMessage;
  } catch (err) {
    throw new CodecError(
      CodecErrorCode.MALFORMED_HEADER,
      `envelope header is not a valid skein.codec.v1.Header: ${describeError(err)}`,
      { cause: err },
    );
  }
}

function checkHeader(header: HeaderMessage): EnvelopeKind {
  if (header.version === 0) {
    throw new CodecError(
      CodecErrorCode.MALFORMED_HEADER,
      "envelope header has no protocol version: the first frame is not a skein header",
    );
  }
  const minVersion = header.minVersion === 0 ? 1 : header.minVersion;
  if (minVersion > PROTOCOL_VERSION) {
    throw new CodecError(
      CodecErrorCode.UNSUPPORTED_VERSION,
      `envelope written by protocol version ${header.version} needs a reader of version >= ${minVersion}; ` +
        `this @skein/codec speaks version ${PROTOCOL_VERSION}: upgrade it`,
    );
  }
  const kind = kindFromWire(header.kind);
  if (kind === undefined) {
    throw new CodecError(
      header.kind === 0 ? CodecErrorCode.MALFORMED_HEADER : CodecErrorCode.UNKNOWN_KIND,
      header.kind === 0
        ? "envelope header has no kind"
        : `envelope kind ${header.kind} (from protocol version ${header.version}) is unknown to protocol version ${PROTOCOL_VERSION}`,
    );
  }
  return kind;
}

function toHeaderMessage(envelope: Envelope): Partial<HeaderMessage> {
  // Only set fields are written: proto3 omits defaults anyway, and this keeps
  // the encoder from looking at undefined properties.
  const header: Partial<HeaderMessage> = { version: PROTOCOL_VERSION, kind: KIND_TO_WIRE[envelope.kind] };
  if (envelope.service !== undefined) header.service = envelope.service;
  if (envelope.method !== undefined) header.method = envelope.method;
  if (envelope.topic !== undefined) header.topic = envelope.topic;
  if (envelope.correlationId !== undefined) header.correlationId = envelope.correlationId;
  if (envelope.deadline !== undefined) header.deadlineMs = envelope.deadline;
  if (envelope.traceparent !== undefined) header.traceparent = envelope.traceparent;
  if (envelope.tracestate !== undefined) header.tracestate = envelope.tracestate;
  if (envelope.metadata !== undefined) header.metadata = envelope.metadata as Record<string, string>;
  if (envelope.payloadType !== undefined) header.payloadType = envelope.payloadType;
  if (envelope.credit !== undefined) header.credit = envelope.credit;
  return header;
}

const STRING_FIELDS = ["service", "method", "topic", "correlationId", "traceparent", "tracestate", "payloadType"] as const;

function validateEnvelope(envelope: Envelope): void {
  const invalid = (what: string): never => {
    throw new CodecError(CodecErrorCode.INVALID_ENVELOPE, `cannot encode envelope: ${what}`);
  };
  if (typeof envelope !== "object" || envelope === null) invalid("not an object");
  if (!Object.hasOwn(KIND_TO_WIRE, envelope.kind)) invalid(`unknown kind ${JSON.stringify(envelope.kind)}`);
  for (const field of STRING_FIELDS) {
    const value = envelope[field];
    if (value !== undefined && typeof value !== "string") invalid(`${field} must be a string`);
  }
  const { deadline, metadata, payload, credit } = envelope;
  if (credit !== undefined && !(Number.isInteger(credit) && credit >= 0 && credit <= 0xffffffff)) {
    invalid("credit must be an integer from 0 to 2^32 - 1");
  }
  if (deadline !== undefined && !(Number.isSafeInteger(deadline) && deadline >= 0)) {
    invalid("deadline must be a non-negative integer (Unix epoch milliseconds)");
  }
  if (metadata !== undefined) {
    if (typeof metadata !== "object" || metadata === null) invalid("metadata must be an object of strings");
    for (const key in metadata) {
      if (typeof metadata[key] !== "string") invalid(`metadata ${JSON.stringify(key)} must be a string`);
    }
  }
  if (!Array.isArray(payload)) invalid("payload must be an array of Buffers");
  for (const frame of payload) if (!isFrame(frame)) invalid("payload must be an array of Buffers");
  checkRequiredFields(envelope, CodecErrorCode.INVALID_ENVELOPE);
}

function checkRequiredFields(envelope: Envelope, code: CodecErrorCode): void {
  const missing = (field: string): never => {
    throw new CodecError(code, `a ${envelope.kind} envelope needs a non-empty ${field}`);
  };
  switch (envelope.kind) {
    case "request":
      if (!envelope.service) missing("service");
      if (!envelope.method) missing("method");
      if (!envelope.correlationId) missing("correlationId");
      break;
    case "event":
      if (!envelope.topic) missing("topic");
      break;
    case "credit":
      if (!envelope.correlationId) missing("correlationId");
      if (!envelope.credit) missing("credit");
      break;
    default:
      if (!envelope.correlationId) missing("correlationId");
  }
}

/** A uint64 as a number (exact up to 2^53, which any epoch-ms deadline is). */
function unsignedToNumber(value: number | protobuf.Long): number {
  if (typeof value === "number") return value;
  return (value.high >>> 0) * 0x1_0000_0000 + (value.low >>> 0);
}

function checkPayloadSize(payload: readonly Buffer[], limits: CodecLimits): void {
  let size = 0;
  for (const frame of payload) size += frame.length;
  if (size > limits.maxPayloadSize) {
    throw new CodecError(
      CodecErrorCode.TOO_LARGE,
      `envelope payload is ${size} bytes, over maxPayloadSize ${limits.maxPayloadSize}: split it or raise the limit`,
    );
  }
}
