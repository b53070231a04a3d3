import { describe, expect, it } from "vitest";
import { median, percentile, slope, summarizeLatencies } from "../src/stats.js";

describe("bench statistics", () => {
  it("takes the middle value as the median, or the mean of the middle two", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("uses nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(summarizeLatencies([3, 1, 2])).toEqual({ meanUs: 2, p50Us: 2, p99Us: 3 });
  });

  it("reports a flat RSS series as zero slope and a growing one as its growth per unit", () => {
    expect(slope([[1, 60], [2, 60], [3, 60]])).toBe(0);
    expect(slope([[1, 60], [2, 62], [3, 64]])).toBeCloseTo(2);
  });
});
