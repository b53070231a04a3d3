/**
 * W3C Trace Context in the codec header: the `traceparent` and `tracestate`
 * fields carry the caller's span to the handler, whatever OpenTelemetry SDK
 * (or none) the app chose, so no global propagator needs registering.
 */
import { createTraceState, isSpanContextValid, type SpanContext } from "@opentelemetry/api";

// W3C Trace Context §3.2.2: version "-" trace-id "-" parent-id "-" trace-flags, lower-case hex.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The `traceparent` of `spanContext`, or `undefined` if it is not a valid span context. */
export function formatTraceparent(spanContext: SpanContext): string | undefined {
  if (!isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, "0");
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/**
 * The remote span context a `traceparent` (and optional `tracestate`) names,
 * or `undefined` if the header is absent or invalid (then the handler's span
 * starts a new trace, W3C Trace Context §3.2.2.2: invalid means ignore).
 */
export function parseTraceparent(traceparent: string | undefined, tracestate: string | undefined): SpanContext | undefined {
  if (traceparent === undefined) return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // §3.2.2.1: version ff is invalid; version 00 has exactly four fields.
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  const spanContext: SpanContext = {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: Number.parseInt(flags!, 16) & 0xff,
    isRemote: true,
    ...(tracestate ? { traceState: createTraceState(tracestate) } : {}),
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}
