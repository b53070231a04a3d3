/** The ring-buffer FIFO behind every pipe and waiter queue. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Deque, SHRINK_ABOVE } from "../../src/util/deque.js";

describe("Deque", () => {
  it("hands items out in the order they were pushed, across growth", () => {
    const deque = new Deque<number>();
    for (let i = 0; i < 1000; i++) deque.push(i);
    expect(deque.length).toBe(1000);
    for (let i = 0; i < 1000; i++) expect(deque.shift()).toBe(i);
    expect(deque.shift()).toBeUndefined();
    expect(deque.length).toBe(0);
  });

  it("keeps order when the ring wraps before it grows", () => {
    const deque = new Deque<number>();
    for (let i = 0; i < 10; i++) deque.push(i);
    for (let i = 0; i < 8; i++) deque.shift();
    for (let i = 10; i < 40; i++) deque.push(i); // wraps, then grows from a wrapped head
    const out: number[] = [];
    for (let item = deque.shift(); item !== undefined; item = deque.shift()) out.push(item);
    expect(out).toEqual(Array.from({ length: 32 }, (_, i) => i + 8));
  });

  it("peek, at, remove and clear see the same items as shift", () => {
    const deque = new Deque<string>(3);
    for (const s of ["a", "b", "c", "d"]) deque.push(s);
    expect(deque.peek()).toBe("a");
    expect(deque.at(3)).toBe("d");
    expect(deque.at(4)).toBeUndefined();
    expect(deque.at(-1)).toBeUndefined();
    deque.remove((s) => s === "b" || s === "d");
    expect([deque.shift(), deque.shift(), deque.shift()]).toEqual(["a", "c", undefined]);
    deque.push("e");
    deque.clear();
    expect(deque.length).toBe(0);
    expect(deque.peek()).toBeUndefined();
  });

  it("behaves as an array used as a queue, for any sequence of operations (model test)", () => {
    type Op = { kind: "push"; value: number } | { kind: "shift" } | { kind: "remove"; mod: number } | { kind: "clear" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.integer().map((value) => ({ kind: "push" as const, value })) },
      { weight: 4, arbitrary: fc.constant({ kind: "shift" as const }) },
      { weight: 1, arbitrary: fc.integer({ min: 2, max: 5 }).map((mod) => ({ kind: "remove" as const, mod })) },
      { weight: 1, arbitrary: fc.constant({ kind: "clear" as const }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.array(op, { maxLength: 400 }), (capacity, ops) => {
        const deque = new Deque<number>(capacity);
        let model: number[] = [];
        for (const o of ops) {
          if (o.kind === "push") {
            deque.push(o.value);
            model.push(o.value);
          } else if (o.kind === "shift") {
            expect(deque.shift()).toBe(model.shift());
          } else if (o.kind === "remove") {
            deque.remove((v) => v % o.mod === 0);
            model = model.filter((v) => v % o.mod !== 0);
          } else {
            deque.clear();
            model = [];
          }
          expect(deque.length).toBe(model.length);
          expect(deque.peek()).toBe(model[0]);
          expect(deque.at(model.length - 1)).toBe(model[model.length - 1]);
        }
        for (let i = 0; i < model.length; i++) expect(deque.at(i)).toBe(model[i]);
      }),
      { numRuns: 300 },
    );
  });
  it("keeps a ring of up to SHRINK_ABOVE slots once it drains, so refilling to a high-water mark does not regrow it", () => {
    const deque = new Deque<number>();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2000; i++) deque.push(i);
      expect(deque.capacity).toBe(2048);
      for (let i = 0; i < 2000; i++) expect(deque.shift()).toBe(i);
      expect(deque.capacity).toBe(2048);
    }
    for (let i = 0; i < SHRINK_ABOVE + 1; i++) deque.push(i);
    for (let i = 0; i < SHRINK_ABOVE + 1; i++) deque.shift();
    expect(deque.capacity).toBe(16);
  });
  it("gives back the memory of a burst once it drains, and keeps working after", () => {
    const deque = new Deque<number>();
    for (let i = 0; i < 100_000; i++) deque.push(i);
    expect(deque.capacity).toBe(131_072);
    for (let i = 0; i < 99_999; i++) expect(deque.shift()).toBe(i);
    // Not while anything is queued: the ring keeps its size until it is empty.
    expect(deque.capacity).toBe(131_072);
    expect(deque.shift()).toBe(99_999);
    expect(deque.capacity).toBe(16);
    deque.push(1);
    deque.push(2);
    expect([deque.shift(), deque.shift(), deque.shift()]).toEqual([1, 2, undefined]);
  });
});
