import { describe, expect, it } from "vitest";
import { DeadlineSweep } from "../src/index.js";
import { timersHeld, until, within } from "./helpers.js";

interface Call {
  readonly name: string;
  deadline: number;
}

/** A sweep whose expiries land in `expired`, with a promise of the next expiry. */
function sweepUnderTest(): { sweep: DeadlineSweep<Call>; expired: { call: Call; at: number }[]; next: () => Promise<Call> } {
  const expired: { call: Call; at: number }[] = [];
  let waiter: ((call: Call) => void) | null = null;
  const sweep = new DeadlineSweep<Call>((call) => {
    expired.push({ call, at: performance.now() });
    const wake = waiter;
    waiter = null;
    wake?.(call);
  });
  const next = (): Promise<Call> => new Promise((resolve) => (waiter = resolve));
  return { sweep, expired, next };
}

describe("DeadlineSweep", () => {
  it("expires each entry once its deadline has passed, never before, earliest first", async () => {
    const { sweep, expired, next } = sweepUnderTest();
    const now = performance.now();
    const late = { name: "late", deadline: now + 60 };
    const early = { name: "early", deadline: now + 20 };
    sweep.add(late);
    // Added after a later one: the timer is armed again, for it.
    sweep.add(early);
    expect(await within(next(), 2000, "the early entry")).toBe(early);
    expect(await within(next(), 2000, "the late entry")).toBe(late);
    expect(expired.map(({ call }) => call.name)).toEqual(["early", "late"]);
    for (const { call, at } of expired) expect(at).toBeGreaterThanOrEqual(call.deadline);
    expect(sweep.size).toBe(0);
    sweep.close();
  });

  it("never expires an entry deleted before its deadline, and expires the others", async () => {
    const { sweep, expired, next } = sweepUnderTest();
    const now = performance.now();
    const ended = { name: "ended in time", deadline: now + 10 };
    const waiting = { name: "still waiting", deadline: now + 40 };
    sweep.add(ended);
    sweep.add(waiting);
    sweep.delete(ended);
    expect(await within(next(), 2000, "the entry left")).toBe(waiting);
    expect(expired.map(({ call }) => call.name)).toEqual(["still waiting"]);
    sweep.close();
  });

  it("takes a new deadline of an entry it holds: a retry's attempt gets its own time", async () => {
    const { sweep, expired, next } = sweepUnderTest();
    const call = { name: "retried", deadline: performance.now() + 5_000 };
    sweep.add(call);
    call.deadline = performance.now() + 15;
    sweep.add(call);
    expect(sweep.size).toBe(1);
    expect(await within(next(), 2000, "the new deadline")).toBe(call);
    expect(expired).toHaveLength(1);
    sweep.close();
  });

  it("holds the event loop only while an entry waits, as a timer per call did", () => {
    const { sweep } = sweepUnderTest();
    const before = timersHeld();
    const call = { name: "one", deadline: performance.now() + 60_000 };
    sweep.add(call);
    expect(timersHeld()).toBe(before + 1);
    sweep.delete(call);
    expect(timersHeld()).toBe(before);
    // The next entry makes it hold again, without arming a second timer.
    sweep.add({ name: "two", deadline: performance.now() + 60_000 });
    expect(timersHeld()).toBe(before + 1);
    sweep.close();
    expect(timersHeld()).toBe(before);
  });

  it("expires nothing once closed, and ignores entries added after", async () => {
    const { sweep, expired } = sweepUnderTest();
    sweep.add({ name: "dropped", deadline: performance.now() + 10 });
    sweep.close();
    sweep.add({ name: "after close", deadline: performance.now() + 10 });
    expect(sweep.size).toBe(0);
    // A second sweep's expiry 40 ms on shows that time has passed both deadlines.
    const witness = sweepUnderTest();
    witness.sweep.add({ name: "witness", deadline: performance.now() + 40 });
    await within(witness.next(), 2000, "the witness");
    expect(expired).toHaveLength(0);
    witness.sweep.close();
  });

  it("an expiry may add and delete entries: each expires once, at its own deadline", async () => {
    const expired: string[] = [];
    let done: (() => void) | null = null;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const later = { name: "added by an expiry", deadline: 0 };
    const cancelled = { name: "deleted by an expiry", deadline: performance.now() + 30 };
    const sweep: DeadlineSweep<Call> = new DeadlineSweep<Call>((call) => {
      expired.push(call.name);
      if (call.name === "first") {
        sweep.delete(cancelled);
        later.deadline = performance.now() + 5;
        sweep.add(later);
      } else done?.();
    });
    sweep.add({ name: "first", deadline: performance.now() + 5 });
    sweep.add(cancelled);
    await within(finished, 2000, "the entry added by an expiry");
    expect(expired).toEqual(["first", "added by an expiry"]);
    sweep.close();
  });

  it("holds many entries added and deleted in any order: only those left expire, each once, earliest deadline first", async () => {
    const { sweep, expired, next } = sweepUnderTest();
    const now = performance.now();
    // 40 entries, every deadline passed already (so one sweep finds them all due), in shuffled order.
    const calls = Array.from({ length: 40 }, (_, i) => ({ name: `c${i}`, deadline: now - 100 + ((i * 17) % 40) }));
    for (const call of calls) sweep.add(call);
    // Delete every third, from the middle outwards, and one twice; re-add one deleted.
    const deleted = calls.filter((_, i) => i % 3 === 0);
    for (const call of [...deleted].reverse()) sweep.delete(call);
    sweep.delete(deleted[1]!);
    sweep.add(deleted[2]!);
    const left = calls.filter((call) => !deleted.includes(call) || call === deleted[2]);
    expect(sweep.size).toBe(left.length);
    await within(next(), 2000, "the first expiry");
    await until(() => expired.length === left.length, "every entry left to expire");
    const byDeadline = [...left].sort((a, b) => a.deadline - b.deadline);
    expect(expired.map(({ call }) => call.name)).toEqual(byDeadline.map((call) => call.name));
    expect(sweep.size).toBe(0);
    sweep.close();
  });
});
