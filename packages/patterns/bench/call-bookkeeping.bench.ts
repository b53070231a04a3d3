/**
 * Session 6: the bookkeeping RpcClient does per call with one call in
 * flight, its collections filling and emptying on every call. A `Map` of
 * requests in flight against a {@link SteadyMap} (which keeps its table
 * when emptied), and the deadlines of fresh per-call entries in a `Set` (how
 * DeadlineSweep held them: a new identity hash per entry, a table shrunk
 * and grown) against DeadlineSweep now (an array and each entry's slot).
 * Reports only; never fails on timing. Run from the repository root:
 * `npx vitest bench --run packages/patterns/bench/call-bookkeeping.bench.ts`.
 */
import { afterAll, bench, describe } from "vitest";
import { DeadlineSweep } from "../src/deadline-sweep.js";
import { SteadyMap } from "../src/util/steady-collections.js";

const CALLS = 1_000;
const value = { id: 0 };

describe(`${CALLS} calls one at a time: the requests in flight by id (set, get, delete)`, () => {
  const map = new Map<number, object>();
  const steadyMap = new SteadyMap<number, object>();
  let id = 0;
  bench("Map (shrinks each time it empties)", () => {
    for (let i = 0; i < CALLS; i++) {
      const key = ++id;
      map.set(key, value);
      if (map.get(key) === undefined) throw new Error("lost");
      map.delete(key);
    }
  });
  bench("SteadyMap", () => {
    for (let i = 0; i < CALLS; i++) {
      const key = ++id;
      steadyMap.set(key, value);
      if (steadyMap.get(key) === undefined) throw new Error("lost");
      steadyMap.delete(key);
    }
  });
});

describe(`${CALLS} calls one at a time: a fresh entry's deadline watched, then let go`, () => {
  const set = new Set<{ deadline: number; sweepSlot: number }>();
  const sweep = new DeadlineSweep<{ deadline: number; sweepSlot: number }>(() => {
    throw new Error("no call in this benchmark outlives its deadline");
  });
  afterAll(() => sweep.close());
  bench("a Set of entries (DeadlineSweep before session 6, without its timer)", () => {
    const deadline = performance.now() + 30_000;
    for (let i = 0; i < CALLS; i++) {
      const entry = { deadline, sweepSlot: -1 };
      set.add(entry);
      set.delete(entry);
    }
  });
  bench("DeadlineSweep (array and slots, with its timer's hold and release)", () => {
    const deadline = performance.now() + 30_000;
    for (let i = 0; i < CALLS; i++) {
      const entry = { deadline, sweepSlot: -1 };
      sweep.add(entry);
      sweep.delete(entry);
    }
  });
});
