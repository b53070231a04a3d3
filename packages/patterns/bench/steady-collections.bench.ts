/**
 * Session 6: a Map and a Set that fill and empty on every call (one call in
 * flight), as RpcClient's requests in flight and DeadlineSweep's deadlines
 * do, against SteadyMap and SteadySet, which keep their table when emptied.
 * Reports only; never fails on timing. Run from the repository root:
 * `npx vitest bench --run packages/patterns/bench/steady-collections.bench.ts`.
 */
import { bench, describe } from "vitest";
import { SteadyMap, SteadySet } from "../src/util/steady-collections.js";

const CALLS = 1_000;
const entries = Array.from({ length: 16 }, (_, i) => ({ id: i, deadline: 0 }));

describe(`${CALLS} calls one at a time: set (or add), get, delete, the collection empty between calls`, () => {
  const map = new Map<number, object>();
  const steadyMap = new SteadyMap<number, object>();
  const set = new Set<object>();
  const steadySet = new SteadySet<object>();
  let id = 0;
  bench("Map (shrinks each time it empties)", () => {
    for (let i = 0; i < CALLS; i++) {
      const key = ++id;
      map.set(key, entries[i & 15]!);
      if (map.get(key) === undefined) throw new Error("lost");
      map.delete(key);
    }
  });
  bench("SteadyMap", () => {
    for (let i = 0; i < CALLS; i++) {
      const key = ++id;
      steadyMap.set(key, entries[i & 15]!);
      if (steadyMap.get(key) === undefined) throw new Error("lost");
      steadyMap.delete(key);
    }
  });
  bench("Set (shrinks each time it empties)", () => {
    for (let i = 0; i < CALLS; i++) {
      const entry = entries[i & 15]!;
      set.add(entry);
      set.delete(entry);
    }
  });
  bench("SteadySet", () => {
    for (let i = 0; i < CALLS; i++) {
      const entry = entries[i & 15]!;
      steadySet.add(entry);
      steadySet.delete(entry);
    }
  });
});
