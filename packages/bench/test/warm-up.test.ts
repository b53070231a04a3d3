import { describe, expect, it } from "vitest";
import { describeWarmUp, WARM_UP_RULE, WarmUpWindows, type WarmUpRule } from "../src/warm-up.js";

const RULE: WarmUpRule = { minCalls: 40, minMs: 100, windowCalls: 10, windowMs: 50, tolerance: 0.05, maxMs: 1_000 };

/** Feeds `latencies` one call a millisecond from t = 0; returns the tracker and how many calls it took. */
function feed(latencies: (call: number) => number, rule = RULE, msPerCall = 1): { windows: WarmUpWindows; calls: number; endedMs: number } {
  const windows = new WarmUpWindows(rule, 0);
  let calls = 0;
  let now = 0;
  while (!windows.done && calls < 1_000_000) {
    now += msPerCall;
    calls++;
    windows.record(latencies(calls), now);
  }
  return { windows, calls, endedMs: now };
}

describe("the runner's warm-up rule", () => {
  it("goes on while each window's p50 still falls, and ends at the first window within tolerance of the one before", () => {
    // Each call 4 µs faster than the one before (each window's p50 over 5% below the last) until
    // call 200, then 50 µs for ever.
    const { windows, calls } = feed((call) => (call <= 200 ? 1000 - 4 * call : 50));
    const summary = windows.summary(0);
    expect(summary.settled).toBe(true);
    // Windows close every 10 calls: the first pair within 5% is windows 21 and 22 (calls 201-220).
    expect(calls).toBe(220);
    expect(summary.windowP50Us.at(-1)).toBe(50);
  });

  it("does not end before its minimum calls and milliseconds even when every window is the same", () => {
    const { windows, calls, endedMs } = feed(() => 80);
    expect(windows.summary(endedMs).settled).toBe(true);
    // minMs (100 ms at one call a ms) is the later of the two minimums here.
    expect(calls).toBe(100);
    const slow = feed(() => 80, RULE, 20);
    // 20 ms a call: windows close on time (50 ms = 3 calls); minCalls (40) is the later minimum.
    expect(slow.calls).toBeGreaterThanOrEqual(40);
    expect(slow.calls).toBeLessThan(45);
  });

  it("ends at maxMs, not settled, when the p50 keeps moving by more than the tolerance", () => {
    // Alternating windows of 100 and 200 µs never settle.
    const { windows, endedMs } = feed((call) => (Math.floor((call - 1) / 10) % 2 === 0 ? 100 : 200));
    const summary = windows.summary(endedMs);
    expect(summary.settled).toBe(false);
    expect(summary.ms).toBe(1_000);
    expect(describeWarmUp(summary)).toBe("warm-up 1,000 calls 1.0 s (not settled)");
  });

  it("closes a window on time when calls are slower than windowCalls in windowMs", () => {
    const { windows } = feed(() => 500, { ...RULE, windowCalls: 1_000 }, 10);
    // 50 ms windows of 5 calls each.
    expect(windows.summary(0).windowP50Us.length).toBeGreaterThanOrEqual(2);
    expect(windows.summary(0).settled).toBe(true);
  });

  it("counts nothing after it has ended", () => {
    const { windows, calls, endedMs } = feed(() => 80);
    expect(windows.record(5, endedMs + 1)).toBe(true);
    expect(windows.summary(endedMs + 5).calls).toBe(calls);
  });

  it("is the rule docs/benchmarks.md states", () => {
    expect(WARM_UP_RULE).toEqual({ minCalls: 5_000, minMs: 1_000, windowCalls: 1_000, windowMs: 250, tolerance: 0.05, maxMs: 2_000 });
  });
});
