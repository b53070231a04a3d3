/**
 * Errors raised by `@skein/codec`. Every failure is a {@link CodecError} with a
 * stable `code`, so callers branch on `err.code`, never on the message text.
 */

/** Every code a {@link CodecError} can carry. */
export const CodecErrorCode = {
  /** The header frame is missing, not protobuf, or lacks a required field. */
  MALFORMED_HEADER: "ERR_CODEC_MALFORMED_HEADER",
  /** A payload frame is not a valid encoding of its declared type. */
  MALFORMED_PAYLOAD: "ERR_CODEC_MALFORMED_PAYLOAD",
  /** A header or payload is over the configured size limit. */
  TOO_LARGE: "ERR_CODEC_TOO_LARGE",
  /** The header requires a newer protocol version than this reader speaks. */
  UNSUPPORTED_VERSION: "ERR_CODEC_UNSUPPORTED_VERSION",
  /** The header's kind is not one this reader knows. */
  UNKNOWN_KIND: "ERR_CODEC_UNKNOWN_KIND",
  /** No message type of that name is registered. */
  UNKNOWN_TYPE: "ERR_CODEC_UNKNOWN_TYPE",
  /** A value to encode does not match its message type. */
  INVALID_MESSAGE: "ERR_CODEC_INVALID_MESSAGE",
  /** An envelope to encode lacks a field its kind requires. */
  INVALID_ENVELOPE: "ERR_CODEC_INVALID_ENVELOPE",
  /** A decoded 64-bit integer does not fit a JavaScript number (the `longs: "number"` representation). */
  UNSAFE_INTEGER: "ERR_CODEC_UNSAFE_INTEGER",
  /** A `.proto` file or source could not be loaded or parsed. */
  INVALID_SCHEMA: "ERR_CODEC_INVALID_SCHEMA",
} as const;

/** A {@link CodecError} code, e.g. `"ERR_CODEC_TOO_LARGE"`. */
export type CodecErrorCode = (typeof CodecErrorCode)[keyof typeof CodecErrorCode];

/**
 * A failure to encode or decode. Never thrown for a bug in the caller's
 * socket code: only for bad input or bad schema.
 *
 * @example
 * ```ts
 * try { decodeEnvelope(frames); }
 * catch (err) { if (err instanceof CodecError && err.code === "ERR_CODEC_TOO_LARGE") drop(); }
 * ```
 */
export class CodecError extends Error {
  /** Stable machine-readable code. */
  readonly code: CodecErrorCode;

  /**
   * @param code - one of {@link CodecErrorCode}
   * @param message - what went wrong and what to do about it
   * @param options - `cause`: the underlying protobufjs or I/O error, if any
   */
  constructor(code: CodecErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CodecError";
    this.code = code;
  }
}

/** The message of any thrown value, for wrapping it in a {@link CodecError}. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
