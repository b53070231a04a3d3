import { describe, expect, it } from "vitest";
import { SteadyMap } from "../src/util/steady-collections.js";

describe("SteadyMap", () => {
  it("SteadyMap answers as a Map does, through emptying and refilling, and never shows its own entry", () => {
    const map = new SteadyMap<number, string>();
    expect(map.size).toBe(0);
    expect([...map.values()]).toEqual([]);
    for (let round = 0; round < 3; round++) {
      map.set(1, "a").set(2, "b");
      expect(map.size).toBe(2);
      expect(map.get(2)).toBe("b");
      expect([...map.values()]).toEqual(["a", "b"]);
      expect(map.delete(1)).toBe(true);
      expect(map.delete(1)).toBe(false);
      expect(map.get(1)).toBeUndefined();
      expect(map.delete(2)).toBe(true);
      expect(map.size).toBe(0);
      expect([...map.values()]).toEqual([]);
    }
    // A key no caller can make: the entry it holds stays hidden.
    expect(map.get(Symbol("other") as unknown as number)).toBeUndefined();
  });
});
