import { TraceFlags } from "@opentelemetry/api";
import { describe, expect, test } from "vitest";
import { formatTraceparent, parseTraceparent } from "../src/trace-context.js";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const SPAN_ID = "b7ad6b7169203331";

describe("W3C trace context in the codec header", () => {
  test("a span context round-trips through traceparent and tracestate", () => {
    const header = formatTraceparent({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });
    expect(header).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
    const parsed = parseTraceparent(header, "vendor=abc,other=1");
    expect(parsed).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true });
    expect(parsed?.traceState?.get("vendor")).toBe("abc");
  });

  test("an invalid span context writes no traceparent", () => {
    expect(formatTraceparent({ traceId: "0".repeat(32), spanId: SPAN_ID, traceFlags: 0 })).toBeUndefined();
  });

  test.each([
    ["absent", undefined],
    ["garbage", "not-a-traceparent"],
    ["version ff", `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ["version 00 with extra fields", `00-${TRACE_ID}-${SPAN_ID}-01-extra`],
    ["all-zero trace id", `00-${"0".repeat(32)}-${SPAN_ID}-01`],
    ["all-zero span id", `00-${TRACE_ID}-${"0".repeat(16)}-01`],
    ["upper-case hex", `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
  ])("a traceparent that is %s is ignored (a new trace starts)", (_, value) => {
    expect(parseTraceparent(value, undefined)).toBeUndefined();
  });

  test("a future version with extra fields is accepted (W3C §3.2.2.1)", () => {
    expect(parseTraceparent(`01-${TRACE_ID}-${SPAN_ID}-00-more`, undefined)?.traceId).toBe(TRACE_ID);
  });
});
