/** Size limits applied when encoding and decoding. */
export interface CodecLimits {
  /** Largest header frame accepted or produced, in bytes. Default 16 KiB. */
  readonly maxHeaderSize: number;
  /**
   * Largest payload accepted or produced, in bytes: for an envelope, the sum
   * of all payload frames; for a single message, its encoding. Default 4 MiB.
   */
  readonly maxPayloadSize: number;
}

/** The limits used when none are given: 16 KiB of header, 4 MiB of payload. */
export const DEFAULT_LIMITS: CodecLimits = Object.freeze({
  maxHeaderSize: 16 * 1024,
  maxPayloadSize: 4 * 1024 * 1024,
});

/** Fills the unset fields of `limits` with {@link DEFAULT_LIMITS}. */
export function resolveLimits(limits?: Partial<CodecLimits>): CodecLimits {
  if (limits === undefined) return DEFAULT_LIMITS;
  return {
    maxHeaderSize: limits.maxHeaderSize ?? DEFAULT_LIMITS.maxHeaderSize,
    maxPayloadSize: limits.maxPayloadSize ?? DEFAULT_LIMITS.maxPayloadSize,
  };
}
