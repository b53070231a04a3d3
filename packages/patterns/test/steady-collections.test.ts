import { describe, expect, it } from "vitest";
import { SteadyMap, SteadySet } from "../src/util/steady-collections.js";

describe("SteadyMap and SteadySet", () => {
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

  it("SteadySet answers as a Set does, through emptying, clearing and deletion while iterating", () => {
    const set = new SteadySet<{ id: number }>();
    const items = [{ id: 1 }, { id: 2 }, { id: 3 }];
    for (const item of items) set.add(item);
    expect(set.size).toBe(3);
    expect(set.has(items[1]!)).toBe(true);
    const seen: number[] = [];
    for (const item of set) {
      seen.push(item.id);
      set.delete(item);
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(set.size).toBe(0);
    expect([...set]).toEqual([]);
    set.add(items[0]!).add(items[0]!);
    expect(set.size).toBe(1);
    set.clear();
    expect(set.size).toBe(0);
    expect([...set]).toEqual([]);
    set.add(items[2]!);
    expect([...set]).toEqual([items[2]]);
  });
});
