import { describe, expect, it } from "vitest";
import { parseOptions, UsageError } from "../src/options.js";

describe("pnpm bench options", () => {
  it("defaults to 3 repeats of 1 s with micro-benchmarks, and to 1 short repeat without them in quick mode", () => {
    expect(parseOptions([])).toMatchObject({ quick: false, repeat: 3, durationMs: 1000, micro: true });
    expect(parseOptions(["--quick"])).toMatchObject({ quick: true, repeat: 1, durationMs: 300, micro: false });
    expect(parseOptions(["--quick", "--micro"]).micro).toBe(true);
  });

  it("collects filters lower-cased and implementations from a comma list", () => {
    const options = parseOptions(["--filter", "TCP 16 B", "--filter", "soak", "--impl", "skein, zeromq"]);
    expect(options.filters).toEqual(["tcp 16 b", "soak"]);
    expect(options.impls).toEqual(["skein", "zeromq"]);
  });

  it("rejects an unknown option or a missing or non-positive value with a UsageError", () => {
    expect(() => parseOptions(["--fast"])).toThrow(UsageError);
    expect(() => parseOptions(["--repeat"])).toThrow(/needs a value/);
    expect(() => parseOptions(["--repeat", "0"])).toThrow(/positive number/);
  });
});
