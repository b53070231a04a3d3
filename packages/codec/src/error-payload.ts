/**
 * The payload of an `error` envelope: a typed error (code, message, details)
 * instead of a crash of the receiver.
 */
import { ErrorPayloadType } from "./envelope-schema.js";
import { DEFAULT_LIMITS } from "./limits.js";
import { decodeMessage, encodeMessage } from "./message-codec.js";

/** One typed detail of a remote error: a protobuf message and its type name. */
export interface ErrorDetail {
  /** Fully-qualified protobuf type of `value`, e.g. `"example.RetryInfo"`. */
  type: string;
  /** The detail, encoded as that type. */
  value: Uint8Array;
}

/** A remote error as it travels in an `error` envelope (`skein.codec.v1.ErrorPayload`). */
export interface ErrorPayload {
  /** Machine-readable code, e.g. `"NOT_FOUND"`. */
  code: string;
  /** Human-readable explanation. */
  message: string;
  /** Typed details; may be empty. */
  details: ErrorDetail[];
}

/**
 * Encodes an error payload, the single payload frame of an `error` envelope.
 * @throws {@link CodecError} `ERR_CODEC_INVALID_MESSAGE` if a field has the wrong type
 *
 * @example
 * ```ts
 * encodeEnvelope({ kind: "error", correlationId: id,
 *   payload: [encodeErrorPayload({ code: "NOT_FOUND", message: "no such order" })] });
 * ```
 */
export function encodeErrorPayload(error: { code: string; message: string; details?: ErrorDetail[] }): Buffer {
  return encodeMessage(ErrorPayloadType, error, DEFAULT_LIMITS);
}

/**
 * Decodes an error payload; `details[].value` are views of `bytes`.
 * @throws {@link CodecError} `ERR_CODEC_MALFORMED_PAYLOAD` if `bytes` is not one
 */
export function decodeErrorPayload(bytes: Uint8Array): ErrorPayload {
  const decoded = decodeMessage(ErrorPayloadType, bytes, DEFAULT_LIMITS) as ErrorPayload;
  return {
    code: decoded.code,
    message: decoded.message,
    details: decoded.details.map((detail) => ({ type: detail.type, value: detail.value })),
  };
}
