/**
 * The kinds of skein message, and their wire numbers (the `Kind` enum of
 * `proto/skein/codec/v1/envelope.proto`).
 */

/** Every kind of envelope, by name. */
export const EnvelopeKind = {
  /** A call to `service`/`method`; one payload frame. */
  REQUEST: "request",
  /** The answer to a unary request; one payload frame. */
  REPLY: "reply",
  /** A failed call; one payload frame, an error payload. */
  ERROR: "error",
  /** A published event on `topic`; one payload frame. */
  EVENT: "event",
  /** The caller abandoned the call `correlationId`; no payload. */
  CANCEL: "cancel",
  /** One item of a stream; one payload frame. */
  STREAM_ITEM: "stream-item",
  /** The end of a stream; no payload. */
  STREAM_END: "stream-end",
  /** Flow control: the reader of a stream grants `credit` more items; no payload. */
  CREDIT: "credit",
} as const;

/** One of {@link EnvelopeKind}'s values, e.g. `"request"`. */
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];

/** Wire number of each kind (`Kind` in envelope.proto). */
export const KIND_TO_WIRE: Readonly<Record<EnvelopeKind, number>> = Object.freeze({
  request: 1,
  reply: 2,
  error: 3,
  event: 4,
  cancel: 5,
  "stream-item": 6,
  "stream-end": 7,
  credit: 8,
});

const WIRE_TO_KIND: readonly (EnvelopeKind | undefined)[] = [
  undefined,
  "request",
  "reply",
  "error",
  "event",
  "cancel",
  "stream-item",
  "stream-end",
  "credit",
];

/** The kind for a wire number, or `undefined` if this version does not know it. */
export function kindFromWire(wire: number): EnvelopeKind | undefined {
  return WIRE_TO_KIND[wire];
}
